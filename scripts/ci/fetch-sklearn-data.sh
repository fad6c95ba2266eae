#!/usr/bin/env bash
# Fetches the real data sets that Debian's python3-sklearn ships (breast_cancer.csv, digits.csv.gz,
# iris.csv, wine_data.csv, ...) WITHOUT installing the package or its Python dependencies:
# `apt-get download` fetches the .deb and `dpkg -x` unpacks it into a private folder.
#
#   bash scripts/ci/fetch-sklearn-data.sh [DEST]    (DEST defaults to .tools/sklearn in the repo)
#
# The CSV files then sit in DEST/data (a link to usr/lib/python3/dist-packages/sklearn/datasets/data).
# Idempotent. Exit 0 with the data folder printed on stdout, else 1 with one line on stderr; the
# data tests skip with their reason when the folder is absent.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dest=${1:-$repo/.tools/sklearn}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
if [ -f "$dest/data/breast_cancer.csv" ]; then echo "$dest/data"; exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt-get download writes into the current folder; as root it warns that _apt cannot reach it.
if ! (cd "$work" && apt-get download python3-sklearn >/dev/null 2>&1); then
  apt-get update -qq >/dev/null 2>&1 || true
  (cd "$work" && apt-get download python3-sklearn >/dev/null 2>&1) || { echo "fetch-sklearn-data: apt-get download python3-sklearn failed" >&2; exit 1; }
fi
dpkg -x "$work"/python3-sklearn_*.deb "$dest/root"
ln -sfn root/usr/lib/python3/dist-packages/sklearn/datasets/data "$dest/data"
[ -f "$dest/data/breast_cancer.csv" ] || { echo "fetch-sklearn-data: the package has no datasets/data/breast_cancer.csv" >&2; exit 1; }
echo "$dest/data"
