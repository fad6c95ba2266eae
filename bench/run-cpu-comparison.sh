#!/usr/bin/env bash
# Side-by-side CPU comparison: `vaegpu bench` (VaeGpu's CPU accelerator, both GEMM versions, OpenBLAS
# cblas_sgemm as the ceiling) and the PyTorch peer (bench/peers/torch_vae_cpu.py, same models, batch 128: the
# default MLP and the conv model, --arch conv) at 1 and at 2 threads, interleaved for REPS repetitions, then
# one summary: best and median over the repetitions of each figure, and the ratios against each peer AT ITS
# BEST SETTING: PyTorch at its faster thread count (on 2 vCPUs that is 1 thread: its OpenMP workers fight over
# 2) and under the fastest of its settings, OpenBLAS on its own kernel. This environment sets
# OPENBLAS_CORETYPE=Haswell (AVX2) and OPENBLAS_L2_SIZE; both are unset for every command here, and PyTorch
# runs under each of its settings, the fastest counting (torchN-i.json says which): its defaults (Debian's
# build reports "CPU capability usage: AVX2", OpenBLAS on its own kernel), ATEN_CPU_CAPABILITY=avx512 where
# the CPU has it, and OpenBLAS's Haswell kernels. Runs before 2026-12-05 ran PyTorch on Haswell kernels only.
#
#   bench/run-cpu-comparison.sh [REPS=3] [SECONDS=20]
#   CPU_KIND=avx2 bench/run-cpu-comparison.sh ...   emulates the AVX2-only processor on an AVX-512 one:
#     DOTNET_EnableAVX512=0 for VaeGpu (.NET 10 ignores DOTNET_EnableAVX512F), OPENBLAS_CORETYPE=Haswell for
#     OpenBLAS, ATEN_CPU_CAPABILITY=avx2 and DNNL_MAX_CPU_ISA=AVX2 for PyTorch and its oneDNN convolutions.
#
# Needs: the .NET 10 SDK; apt-get install -y python3-torch libopenblas0-pthread (PyTorch 1.13 for
# /usr/bin/python3, not a pyenv python3). Results go to bench/out/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
SECONDS_EACH=${2:-20}
OUT=bench/out/cpu-comparison-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
dotnet build src/VaeGpu.Cli -c Release -v q -nologo > "$OUT/build.log"
CLI=src/VaeGpu.Cli/bin/Release/net10.0/VaeGpu.Cli.dll
OURS=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
PEER=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
CAPABILITIES=(default)
if [ "${CPU_KIND:-native}" = avx2 ]; then
  OURS+=(DOTNET_EnableAVX512=0 OPENBLAS_CORETYPE=Haswell)
  PEER+=(OPENBLAS_CORETYPE=Haswell DNNL_MAX_CPU_ISA=AVX2)  # oneDNN (its convolutions) too
  CAPABILITIES=(avx2)
elif grep -q avx512f /proc/cpuinfo; then
  CAPABILITIES=(default avx512 haswell)
fi
# peer NAME ARGS...: the PyTorch peer under each setting, NAME-SETTING.json each, the fastest as NAME.json.
peer() {
  local name=$1 capability
  shift
  for capability in "${CAPABILITIES[@]}"; do
    case $capability in
      default) "${PEER[@]}" /usr/bin/python3 bench/peers/torch_vae_cpu.py "$@" ;;
      haswell) "${PEER[@]}" OPENBLAS_CORETYPE=Haswell /usr/bin/python3 bench/peers/torch_vae_cpu.py "$@" ;;
      *) "${PEER[@]}" ATEN_CPU_CAPABILITY="$capability" /usr/bin/python3 bench/peers/torch_vae_cpu.py "$@" ;;
    esac \
      | sed "s/}\$/, \"capability\": \"$capability\"}/" | tee "$OUT/$name-$capability.json"
  done
  /usr/bin/python3 -c 'import json, sys; runs = [json.load(open(f)) for f in sys.argv[2:]]
json.dump(max(runs, key=lambda r: r["samples_per_s"]), open(sys.argv[1], "w"))' "$OUT/$name.json" \
    $(for capability in "${CAPABILITIES[@]}"; do echo "$OUT/$name-$capability.json"; done)
}
{ uname -a; nproc; grep -m1 'model name' /proc/cpuinfo; grep -m1 'cpu family' /proc/cpuinfo; grep -m1 -o avx512f /proc/cpuinfo;
  echo "CPU_KIND=${CPU_KIND:-native}; vaegpu: ${OURS[*]}; pytorch: ${PEER[*]}"; uptime; } > "$OUT/machine.txt"
for i in $(seq 1 "$REPS"); do
  echo "== repetition $i/$REPS ($(uptime | sed 's/.*load average/load average/'))"
  "${OURS[@]}" dotnet "$CLI" bench --device cpu --seconds "$SECONDS_EACH" \
    --json "$OUT/vaegpu-$i.json" | tee "$OUT/vaegpu-$i.txt"
  peer "torch2-$i" --seconds "$((SECONDS_EACH / 2))" --threads 2
  peer "torch1-$i" --seconds "$((SECONDS_EACH / 2))" --threads 1
  peer "torchconv2-$i" --arch conv --seconds "$((SECONDS_EACH / 2))" --threads 2
  peer "torchconv1-$i" --arch conv --seconds "$((SECONDS_EACH / 2))" --threads 1
done
"${OURS[@]}" dotnet "$CLI" bench --device cpu --profile --seconds 5 | tee "$OUT/profile.txt"
uptime >> "$OUT/machine.txt"
/usr/bin/python3 - "$OUT" "$REPS" <<'PY'
import json, statistics, sys
out, reps = sys.argv[1], int(sys.argv[2])
ours = [json.load(open(f"{out}/vaegpu-{i}.json")) for i in range(1, reps + 1)]
torch2 = [json.load(open(f"{out}/torch2-{i}.json"))["samples_per_s"] for i in range(1, reps + 1)]
torch1 = [json.load(open(f"{out}/torch1-{i}.json"))["samples_per_s"] for i in range(1, reps + 1)]
def pick(acc, kind, shape, key):
    return [next(r[key] for r in run["results"] if r["accelerator"] == acc and r["kind"] == kind and r["shape"] == shape) for run in ours]
def fmt(values, spec=",.0f"):
    return f"best {max(values):{spec}}  median {statistics.median(values):{spec}}  (runs: {', '.join(format(v, spec) for v in values)})"
print()
print(f"machine: {ours[0]['machine']}")
print(f"repetitions: {reps}, each: vaegpu bench (best of 5 interleaved rounds), then PyTorch 2 threads, then PyTorch 1 thread")
for acc in sorted({r["accelerator"] for r in ours[0]["results"] if r["kind"] == "train"}):
    for batch in ("batch 128", "batch 1024", "conv 128"):
        print(f"{acc:12} train {batch:10} samples/s: {fmt(pick(acc, 'train', batch, 'samples_per_s'))}")
def against_pytorch(model, shape, peer1, peer2):
    """The model's PyTorch figures, and VaeGpu (gemm v2) against PyTorch at its best thread count, per repetition."""
    print(f"{'pytorch':12} train {shape:10} samples/s, 2 threads: {fmt(peer2)}")
    print(f"{'pytorch':12} train {shape:10} samples/s, 1 thread:  {fmt(peer1)}")
    best = [max(a, b) for a, b in zip(peer1, peer2)]
    print(f"{model}: PyTorch at its best thread count per repetition: {', '.join(format(v, ',.0f') for v in best)} samples/s "
          f"({'1 thread' if statistics.median(peer1) >= statistics.median(peer2) else '2 threads'} is faster here)")
    for key, label in (("samples_per_s", "its best round"), ("samples_per_s_median", "its median round")):
        ours_figure = pick("cpu gemm v2", "train", shape, key)
        print(f"{model}: ratio VaeGpu cpu (gemm v2, {shape}, {label}) / PyTorch at its best, per repetition (same minute): "
              f"{', '.join(f'{o / t:.2f}x' for o, t in zip(ours_figure, best))} (target 3x)")
against_pytorch("default model", "batch 128", torch1, torch2)
conv2 = [json.load(open(f"{out}/torchconv2-{i}.json"))["samples_per_s"] for i in range(1, reps + 1)]
conv1 = [json.load(open(f"{out}/torchconv1-{i}.json"))["samples_per_s"] for i in range(1, reps + 1)]
against_pytorch("conv model", "conv 128", conv1, conv2)
conv_gflops = pick("cpu gemm v2", "train", "conv 128", "gflops")
print(f"conv step GFLOP/s (gemm v2, batch 128): best {max(conv_gflops):.1f}")
step_gflops = pick("cpu gemm v2", "train", "batch 128", "gflops")
step_gflops_median = pick("cpu gemm v2", "train", "batch 128", "gflops_median")
large_gemm = pick("cpu gemm v2", "LinearForward", "4096×1024→1024", "gflops")
print(f"step GFLOP/s (gemm v2, batch 128): best {max(step_gflops):.1f}, median {statistics.median(step_gflops_median):.1f}; "
      f"share of the large-GEMM rate ({max(large_gemm):.1f} GFLOP/s): best {max(step_gflops) / max(large_gemm):.0%}, "
      f"median {statistics.median(step_gflops_median) / max(large_gemm):.0%} (target 75% in the median, issue 22)")
for shape, bar in (("128×784→400", 1.00), ("4096×1024→1024", 0.80)):
    for acc in ("cpu gemm v2", "cpu gemm v1"):
        ratios = [r for r in pick(acc, "LinearForward", shape, "ratio_to_openblas") if r is not None]
        gf = pick(acc, "LinearForward", shape, "gflops")
        if ratios:
            print(f"{acc:12} LinearForward {shape:15} {max(gf):6.1f} GFLOP/s, of OpenBLAS: best {max(ratios):.0%} median {statistics.median(ratios):.0%} (bar {bar:.0%})")
PY
echo "raw figures: $OUT"
