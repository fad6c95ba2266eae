#!/usr/bin/env bash
# Side-by-side CPU comparison for issue 5's bars: `vaegpu bench` (VaeGpu's CPU accelerator, both
# GEMM versions, OpenBLAS cblas_sgemm as the ceiling) and the PyTorch peer (bench/peers/torch_vae_cpu.py,
# same model, batch 128, 2 threads), interleaved for REPS repetitions, then one summary:
# best and median over the repetitions of each figure, and the ratios the bars are about.
#
#   bench/run-cpu-comparison.sh [REPS=3] [SECONDS=20]
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
{ uname -a; nproc; grep -m1 'model name' /proc/cpuinfo; uptime; } > "$OUT/machine.txt"
for i in $(seq 1 "$REPS"); do
  echo "== repetition $i/$REPS ($(uptime | sed 's/.*load average/load average/'))"
  dotnet "$CLI" bench --device cpu --seconds "$SECONDS_EACH" --json "$OUT/vaegpu-$i.json" | tee "$OUT/vaegpu-$i.txt"
  /usr/bin/python3 bench/peers/torch_vae_cpu.py --seconds "$((SECONDS_EACH / 2))" --threads 2 | tee "$OUT/torch2-$i.json"
  /usr/bin/python3 bench/peers/torch_vae_cpu.py --seconds "$((SECONDS_EACH / 2))" --threads 1 | tee "$OUT/torch1-$i.json"
done
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
    for batch in ("batch 128", "batch 1024"):
        print(f"{acc:12} train {batch:10} samples/s: {fmt(pick(acc, 'train', batch, 'samples_per_s'))}")
print(f"{'pytorch':12} train batch 128  samples/s, 2 threads: {fmt(torch2)}")
print(f"{'pytorch':12} train batch 128  samples/s, 1 thread:  {fmt(torch1)}")
best_ours = max(pick("cpu gemm v2", "train", "batch 128", "samples_per_s"))
print(f"ratio VaeGpu cpu (gemm v2, batch 128) / PyTorch 2 threads, best vs best: {best_ours / max(torch2):.2f}x "
      f"(bar 4x against 5,400/s = 21,600/s: {'met' if best_ours >= 21600 else 'not met'} by the absolute figure)")
per_rep = [o / t for o, t in zip(pick("cpu gemm v2", "train", "batch 128", "samples_per_s"), torch2)]
print(f"ratio per repetition (same minute): {', '.join(f'{r:.2f}x' for r in per_rep)}")
for shape, bar in (("128×784→400", 0.70), ("4096×1024→1024", 0.80)):
    for acc in ("cpu gemm v2", "cpu gemm v1"):
        ratios = [r for r in pick(acc, "LinearForward", shape, "ratio_to_openblas") if r is not None]
        gf = pick(acc, "LinearForward", shape, "gflops")
        if ratios:
            print(f"{acc:12} LinearForward {shape:15} {max(gf):6.1f} GFLOP/s, of OpenBLAS: best {max(ratios):.0%} median {statistics.median(ratios):.0%} (bar {bar:.0%})")
PY
echo "raw figures: $OUT"
