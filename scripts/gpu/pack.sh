#!/usr/bin/env bash
# Builds everything a GPU host without .NET needs into .gpu/ (see bench/GPU.md):
#   .gpu/dotnet.tar.xz   the .NET runtime (dotnet host + Microsoft.NETCore.App), unpacked there to /tmp/dotnet
#   .gpu/builds.tar.xz   tests/ and cli/ below, xz-compressed:
#   tests/               framework-dependent publish of the test project (an xunit.v3 executable), without
#                        the VSTest packages (-p:VaeGpuStandaloneTests=true), satellite resources or .pdb files
#   cli/                 framework-dependent publish of the CLI, less the files identical in .gpu/tests/
#                        (the test publish carries the CLI already; run-checks.sh joins the two again)
#   .gpu/data/           Fashion-MNIST's train files as raw IDX recompressed with xz (22.6 MB instead of
#                        26.5 MB of .gz), when /usr/share/datasets/fashion-mnist has them (the t10k files
#                        travel in the tree, data/fashion-mnist/)
# Fails if the total is 60 MiB or more (the device tool carries at most 64 MiB); it was 57 MiB
# when written (runtime 25, tests 10, data 22); with ILGPU the builds travel as xz.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet_root=${DOTNET_ROOT:-/usr/share/dotnet}
[ -x "$dotnet_root/dotnet" ] || { echo "pack: no dotnet at $dotnet_root (set DOTNET_ROOT)" >&2; exit 1; }
command -v dotnet >/dev/null || { echo "pack: dotnet is not on PATH" >&2; exit 1; }
command -v xz >/dev/null || { echo "pack: xz not found (apt-get install xz-utils)" >&2; exit 1; }
data_source=/usr/share/datasets/fashion-mnist

rm -rf .gpu
mkdir -p .gpu/data

echo "pack: runtime from $dotnet_root"
tar cJf .gpu/dotnet.tar.xz -C "$dotnet_root" dotnet host shared/Microsoft.NETCore.App

echo "pack: publishing the CLI and the tests (Release, framework-dependent)"
dotnet publish tests/VaeGpu.Tests -c Release -o .gpu/tests -p:VaeGpuStandaloneTests=true --nologo -v q
dotnet publish src/VaeGpu.Cli -c Release -o .gpu/cli --nologo -v q
# Put the test project's restore state back as `dotnet test` wants it (with the VSTest packages).
dotnet restore tests/VaeGpu.Tests --nologo -v q

if [ -f "$data_source/train-images-idx3-ubyte.gz" ] && [ -f "$data_source/train-labels-idx1-ubyte.gz" ]; then
  echo "pack: Fashion-MNIST train files from $data_source, recompressing with xz (about a minute)"
  for name in train-images-idx3-ubyte train-labels-idx1-ubyte; do
    gzip -dc "$data_source/$name.gz" | xz -9e -T0 > ".gpu/data/$name.xz"
  done
else
  echo "pack: warning: no Fashion-MNIST train files in $data_source (apt-get install dataset-fashion-mnist);" \
       "run-checks.sh will train on the embedded t10k set instead" >&2
fi

# What the GPU machine does not need: debug symbols, satellite resource assemblies (localized
# messages of the test frameworks), and the CLI files that the test publish holds already.
find .gpu/cli .gpu/tests -name '*.pdb' -delete
for folder in .gpu/tests/*/ .gpu/cli/*/; do
  [ -d "$folder" ] || continue
  # A folder holding nothing but *.resources.dll is a satellite (culture) folder.
  if [ -z "$(find "$folder" -type f ! -name '*.resources.dll' -print -quit)" ]; then rm -rf "$folder"; fi
done
# Any file of the CLI publish, in any subfolder (runtimes/linux-x64/native/libSkiaSharp.so: 12 MB), that
# the test publish holds at the same place.
(cd .gpu/cli && find . -type f) | while read -r file; do
  if [ -f ".gpu/tests/$file" ] && cmp -s ".gpu/cli/$file" ".gpu/tests/$file"; then rm ".gpu/cli/$file"; fi
done
find .gpu/cli -mindepth 1 -type d -empty -delete

# xz shrinks the builds about threefold: with ILGPU they no longer fit beside the data uncompressed.
tar cJf .gpu/builds.tar.xz -C .gpu tests cli
rm -rf .gpu/tests .gpu/cli

bytes=$(du -sb .gpu | cut -f1)
mib=$(( (bytes + 1048575) / 1048576 ))
echo "pack: .gpu/ holds $mib MiB:"
du -sh .gpu/* | sed 's/^/  /'
if [ "$bytes" -ge $((60 * 1048576)) ]; then
  echo "pack: .gpu/ is $mib MiB, over the 60 MiB budget (the device tool carries 64 MiB in all)" >&2
  exit 1
fi
echo "pack: done. On the GPU machine: bash scripts/gpu/run-checks.sh (device tool: carry [\".gpu\"])"
