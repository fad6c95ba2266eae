#!/usr/bin/env bash
# Runs one command inside a minimal Debian trixie root that has PoCL 6 (a real OpenCL 3.0 runtime
# with the generic address space that ILGPU needs; bookworm's PoCL 3.1 lacks it), with this
# repository, the .NET installation and the NuGet package folder at the same paths as outside:
#
#   bash scripts/opencl/run.sh CMD [ARGS...]
#   bash scripts/opencl/run.sh dotnet src/VaeGpu.Cli/bin/Release/net10.0/VaeGpu.Cli.dll devices
#
# The root is made on first use (debootstrap --variant=minbase trixie, then pocl-opencl-icd,
# ocl-icd-libopencl1, clinfo and procps; about a minute and 0.9 GB) and cached in .tools/pocl6-root
# (git-ignored). A root that is half made is never used: it is built in a scratch folder and renamed.
#
# Nothing outlives the command, however it ends: it runs in its own mount and PID namespaces
# (unshare), so every mount made for it vanishes with the namespace and every process it started is
# killed when it exits (the namespace's init is the command itself), or when this script is killed
# (--kill-child). Needs root (CI runs as root).
#
# Inside, the command runs in the caller's working directory (when that is under the repository),
# with /tmp a fresh tmpfs, DOTNET_ROOT set, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 (the root has no
# ICU; VaeGpu formats with the invariant culture anyway) and VAEGPU_TEST_OPENCL=opencl:0:0 unless
# set: PoCL's CPU device is the OpenCL device the test suites run on.
#
# Environment (optional): POCL_ROOT (default .tools/pocl6-root), DEBIAN_MIRROR (default: the
# mirror this machine's apt sources use).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
root=${POCL_ROOT:-$repo/.tools/pocl6-root}
suite=trixie
packages=(pocl-opencl-icd ocl-icd-libopencl1 clinfo procps)
# Bump when the recipe above changes, so that a cached root made by an older one is rebuilt.
recipe="1 $suite ${packages[*]}"

log() { echo "opencl/run.sh: $*" >&2; }
die() { log "$*"; exit 2; }

[[ $# -ge 1 ]] || die "usage: scripts/opencl/run.sh CMD [ARGS...]"
[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot and mount namespaces)"

make_root() {
  # shellcheck source=../lib/debian-mirror.sh
  source "$repo/scripts/lib/debian-mirror.sh"
  local mirror scratch
  mirror=${DEBIAN_MIRROR:-$(find_mirror)}
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    apt-get install -y -qq debootstrap >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq debootstrap >/dev/null 2>&1; } \
      || die "could not install debootstrap"
  fi
  scratch="$root.partial.$$"
  rm -rf "$scratch"
  log "making the PoCL 6 root in $root (debootstrap $suite from $mirror; about a minute)"
  # In a mount namespace of its own: debootstrap mounts /proc in the target and can leave it mounted.
  unshare --mount --propagation private debootstrap --variant=minbase "$suite" "$scratch" "$mirror" >"$scratch.log" 2>&1 \
    || { tail -n 5 "$scratch.log" >&2; rm -rf "$scratch"; die "debootstrap $suite failed (log above)"; }
  cp /etc/resolv.conf "$scratch/etc/resolv.conf" 2>/dev/null || true
  unshare --mount --propagation private bash -c '
      set -e
      mount -t proc proc "$1/proc"
      mount --rbind /dev "$1/dev"
      chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
        bash -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $2 && apt-get clean"' \
      _ "$scratch" "${packages[*]}" >>"$scratch.log" 2>&1 \
    || { tail -n 5 "$scratch.log" >&2; rm -rf "$scratch"; die "installing ${packages[*]} in the root failed (log above)"; }
  echo "$recipe" >"$scratch/.vaegpu-recipe"
  rm -rf "$root" "$scratch.log"
  mv "$scratch" "$root"
  log "root ready: $(du -sh --exclude=proc "$root" 2>/dev/null | cut -f1)"
}

mkdir -p "$(dirname "$root")"
exec 9>"$root.lock"
flock 9   # one builder at a time; later runs share the finished root
if [[ ! -f $root/.vaegpu-recipe || $(cat "$root/.vaegpu-recipe") != "$recipe" ]]; then
  make_root
fi
flock -u 9

dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")") || die "no dotnet on PATH"
binds=("$repo" "$dotnet_root")
[[ -d $HOME/.nuget/packages ]] && binds+=("$HOME/.nuget/packages")
workdir=$PWD
[[ $workdir == "$repo" || $workdir == "$repo"/* ]] || workdir=$repo

# $1 root, $2 workdir, $3 dotnet root, $4 number of bind paths, then the paths, then the command.
exec unshare --mount --propagation private --pid --fork --kill-child bash -c '
    set -e
    root=$1 workdir=$2 dotnet_root=$3 count=$4
    shift 4
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount --rbind /sys "$root/sys"   # PoCL (hwloc) reads the CPU topology from sysfs
    mount -t tmpfs tmpfs "$root/tmp"
    for ((i = 0; i < count; i++)); do
      mkdir -p "$root$1"
      mount --bind "$1" "$root$1"
      shift
    done
    exec chroot "$root" /usr/bin/env \
      PATH="$dotnet_root:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" \
      DOTNET_ROOT="$dotnet_root" DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
      VAEGPU_TEST_OPENCL="${VAEGPU_TEST_OPENCL:-opencl:0:0}" TMPDIR=/tmp \
      bash -c "cd \"\$0\" && exec \"\$@\"" "$workdir" "$@"' \
  run "$root" "$workdir" "$dotnet_root" "${#binds[@]}" "${binds[@]}" "$@"
