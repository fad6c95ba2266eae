#!/usr/bin/env bash
# Fetches NVIDIA's offline CUDA 11.8 tools (ptxas, cuobjdump, libnvvm, libdevice) from Debian
# bookworm's non-free component and unpacks them into a folder, WITHOUT installing anything
# system-wide: apt runs on a private sources list and private lists/cache dirs, `apt-get download`
# fetches the .debs and `dpkg -x` unpacks them. No GPU and no driver are needed.
#
#   bash scripts/ci/fetch-cuda-tools.sh [DEST]        (DEST defaults to .tools/cuda in the repo)
#
# Packages (bookworm, 11.8.89~11.8.0-5~deb12u1, about 92 MB downloaded, 192 MB unpacked):
#   nvidia-cuda-toolkit  usr/bin/ptxas, usr/bin/cuobjdump,
#                        usr/lib/nvidia-cuda-toolkit/libdevice/libdevice.10.bc
#   libnvvm4             usr/lib/x86_64-linux-gnu/libnvvm.so.4 (-> libnvvm.so.4.0.0)
# ptxas and cuobjdump need only libc/libm/libpthread/libdl, so none of the other dependencies
# (nvidia-cuda-dev alone is 774 MB) are fetched.
#
# Idempotent: if DEST already has a ptxas that runs, nothing is downloaded.
# Prints on stdout, last, exactly these lines (absolute paths; empty when not found, with a
# warning on stderr):
#   PTXAS=...  CUOBJDUMP=...  LIBNVVM=...  LIBDEVICE=...
# Exit 0 when ptxas was found, runs and assembles a tiny sm_90 kernel; else 1, with one line on
# stderr saying why. Everything else the script says goes to stderr.
#
# Environment (optional): CUDA_TOOLS_MIRROR (Debian mirror URL; default: the one this machine's
# apt sources use for Debian, else http://deb.debian.org/debian), CUDA_TOOLS_SUITE (default bookworm).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dest=${1:-$repo/.tools/cuda}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
suite=${CUDA_TOOLS_SUITE:-bookworm}
packages=(nvidia-cuda-toolkit libnvvm4)

log() { echo "fetch-cuda-tools: $*" >&2; }

ptxas_path=$dest/usr/bin/ptxas
cuobjdump_path=$dest/usr/bin/cuobjdump

ptxas_runs() { [[ -x $ptxas_path ]] && "$ptxas_path" --version >/dev/null 2>&1; }

# find_mirror: the Debian mirror this machine's apt sources use.
# shellcheck source=../lib/debian-mirror.sh
source "$repo/scripts/lib/debian-mirror.sh"

fetch() {
  local mirror work keyring opt=""
  mirror=${CUDA_TOOLS_MIRROR:-$(find_mirror)}
  mirror=${mirror%/}
  work=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  chmod 755 "$work"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
  # apt downloads as the unprivileged _apt user where it exists: let it write the .deb folder.
  if id _apt >/dev/null 2>&1; then chown _apt "$work/debs"; fi
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [[ -r $keyring ]] && opt="[signed-by=$keyring] "
  echo "deb ${opt}$mirror $suite non-free" > "$work/sources.list"
  local apt_opts=(
    -o "Dir::Etc::SourceList=$work/sources.list"
    -o Dir::Etc::SourceParts=/dev/null
    -o Dir::Etc::Preferences=/dev/null
    -o Dir::Etc::PreferencesParts=/dev/null
    -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache=$work/cache"
    -o Acquire::Languages=none
    -o APT::Get::List-Cleanup=false
  )
  log "mirror $mirror, suite $suite non-free; packages: ${packages[*]}"
  local t0=$EPOCHREALTIME t1
  if ! apt-get "${apt_opts[@]}" -qq --error-on=any update >&2; then
    log "apt-get update on the private sources list failed"; return 1
  fi
  if ! (cd "$work/debs" && apt-get "${apt_opts[@]}" -qq download "${packages[@]}") >&2; then
    log "apt-get download ${packages[*]} failed"; return 1
  fi
  t1=$EPOCHREALTIME
  local d bytes=0
  for d in "$work"/debs/*.deb; do
    bytes=$((bytes + $(stat -c %s "$d")))
    log "unpacking $(basename "$d")"
    dpkg -x "$d" "$dest"
  done
  log "$(awk -v b="$bytes" -v t0="$t0" -v t1="$t1" -v t2="$EPOCHREALTIME" 'BEGIN {
    printf "downloaded %.1f MB in %.1f s, unpacked in %.1f s", b / 1e6, t1 - t0, t2 - t1 }') into $dest"
  rm -rf "$work"
  trap - EXIT
}

if ptxas_runs; then
  log "ptxas already in $dest; nothing to download"
else
  fetch || true
fi

# Locate what we have (an empty path when not found).
find_one() { # NAME GLOB...: first match under $dest
  local name=$1 p; shift
  for p in "$@"; do
    if [[ -e $dest/$p ]]; then echo "$dest/$p"; return; fi
  done
  p=$(find "$dest" -name "$name" \( -type f -o -type l \) 2>/dev/null | sort | head -n 1)
  echo "$p"
}
ptxas=""; cuobjdump=""; libnvvm=""; libdevice=""; why=""
if ptxas_runs; then
  ptxas=$ptxas_path
  log "$("$ptxas" --version | tail -n 1)"
elif [[ -e $ptxas_path ]]; then
  why="$ptxas_path does not run: $("$ptxas_path" --version 2>&1 | head -n 1)"
else
  why="no ptxas under $dest (download or unpack failed, see above)"
fi
[[ -x $cuobjdump_path ]] && cuobjdump=$cuobjdump_path
libnvvm=$(find_one 'libnvvm.so*' usr/lib/x86_64-linux-gnu/libnvvm.so.4)
libdevice=$(find_one libdevice.10.bc usr/lib/nvidia-cuda-toolkit/libdevice/libdevice.10.bc)

# Self-test: assemble an empty sm_90 kernel (PTX ISA 7.8 is the highest ptxas 11.8 accepts, and
# the lowest with sm_90), then disassemble the cubin.
if [[ -n $ptxas ]]; then
  t=$(mktemp -d)
  printf '%s\n' '.version 7.8' '.target sm_90' '.address_size 64' '' \
    '.visible .entry k()' '{' '	ret;' '}' > "$t/k.ptx"
  if out=$("$ptxas" --gpu-name sm_90 -o "$t/k.cubin" "$t/k.ptx" 2>&1); then
    log "ptxas assembled an sm_90 kernel ($(stat -c %s "$t/k.cubin") bytes of cubin)"
    if [[ -n $cuobjdump ]]; then
      if sass=$("$cuobjdump" -sass "$t/k.cubin" 2>&1) && grep -q 'EXIT' <<<"$sass"; then
        log "cuobjdump -sass disassembled it: $(grep -m1 -o 'EXIT' <<<"$sass") found"
      else
        log "warning: cuobjdump -sass failed on the test cubin: $(head -n 1 <<<"$sass")"
        cuobjdump=""
      fi
    fi
  else
    why="$ptxas cannot assemble for sm_90: $(head -n 1 <<<"$out")"
    ptxas=""
  fi
  rm -rf "$t"
fi

[[ -z $cuobjdump ]] && log "warning: cuobjdump not found (or not working) under $dest"
[[ -z $libnvvm ]] && log "warning: libnvvm.so not found under $dest"
[[ -z $libdevice ]] && log "warning: libdevice.10.bc not found under $dest"

echo "PTXAS=$ptxas"
echo "CUOBJDUMP=$cuobjdump"
echo "LIBNVVM=$libnvvm"
echo "LIBDEVICE=$libdevice"

if [[ -n $why ]]; then
  echo "fetch-cuda-tools: error: $why" >&2
  exit 1
fi
exit 0
