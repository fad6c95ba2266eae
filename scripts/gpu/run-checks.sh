#!/usr/bin/env bash
# Runs the GPU checks on a machine without .NET (see bench/GPU.md), from the repository root with
# .gpu/ built by scripts/gpu/pack.sh. Every step's command line and output go to $OUT/ (the
# device tool's output folder; ./gpu-out when OUT is unset).
#
#   bash scripts/gpu/run-checks.sh [STEP...]      STEP: info tests train bench torch cublas cudnn (default: all)
#
#   info    nvidia-smi -L, the driver, `VaeGpu.Cli devices` (says where LibDevice was found)
#   tests   the CUDA tests (op suites v1 and v2, Philox bits, 200 steps against cpu, graph replay = eager
#           step) with LibDevice math, again
#           with ILGPU.Algorithms' software math (VAEGPU_CUDA_MATH=software), then the whole suite
#   train   EPOCHS epochs of the default model, --device cuda and --device cpu, same seed, and cuda with the
#           fused step (--Kernels:Step=2), whose checkpoint must equal the op-by-op one byte for byte; one
#           epoch of the conv model, with and without BatchNorm, on cuda and cpu (the same bytes expected)
#   bench   `VaeGpu.Cli bench` (cuda with the op-by-op and the fused step, and the CPU, side by side: step
#           time, samples/s and launches per step), `bench --kernels --device cuda` (every GEMM version),
#           one epoch with --Training:CudaGraphs=false (graph vs op-by-op time)
#   torch   bench/peers/torch_vae.py: eager and torch.compile(mode="reduce-overhead"), batch 128 and 1024
#   cublas  bench/peers/cublas_sgemm.py: cuBLAS SGEMM, TF32 off, at the bench shapes
#   cudnn   bench/peers/cudnn_conv.py: cuDNN's convolutions, TF32 off, at the conv model's layer shapes
#
# Environment: EPOCHS (default 1) for train and torch; TORCH_MODES (default "eager compile");
# TORCH_BATCHES (default "128 1024"); PYTHON (default python3).
# A failing step is recorded and the next one still runs; the exit code is 1 if any step failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
OUT=${OUT:-$root/gpu-out}
mkdir -p "$OUT"
EPOCHS=${EPOCHS:-1}
PYTHON=${PYTHON:-python3}
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(info tests train bench torch cublas cudnn)
failed=()

log() { echo "run-checks: $*" | tee -a "$OUT/summary.txt"; }

# run NAME CMD...: runs CMD, records the command line, tees its output to $OUT/NAME.log.
run() {
  local name=$1; shift
  printf '%s\n' "$*" >> "$OUT/commands.txt"
  { echo "\$ $*"; echo "# $(date -u +%FT%TZ) on $(hostname)"; } > "$OUT/$name.log"
  local start=$SECONDS rc=0
  "$@" 2>&1 | tee -a "$OUT/$name.log" || rc=${PIPESTATUS[0]}
  log "$name: exit $rc after $((SECONDS - start)) s ($*)"
  [ "$rc" -eq 0 ] || failed+=("$name")
  return 0
}

[ -d .gpu ] || { echo "run-checks: no .gpu/ here: run scripts/gpu/pack.sh first and carry .gpu to this machine" >&2; exit 2; }
[ -f .gpu/dotnet.tar.xz ] || { echo "run-checks: .gpu/dotnet.tar.xz missing: run scripts/gpu/pack.sh" >&2; exit 2; }

# unxz FILE.xz DEST: xz if the machine has it, else Python's lzma module.
unxz_to() {
  if command -v xz >/dev/null; then xz -dc "$1" > "$2"
  else "$PYTHON" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}

# The .NET runtime, unpacked once.
export DOTNET_ROOT=/tmp/dotnet
if [ ! -x "$DOTNET_ROOT/dotnet" ]; then
  mkdir -p "$DOTNET_ROOT"
  unxz_to .gpu/dotnet.tar.xz /tmp/dotnet.tar
  tar xf /tmp/dotnet.tar -C "$DOTNET_ROOT"
  rm -f /tmp/dotnet.tar
fi
export PATH="$DOTNET_ROOT:$PATH" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export VAEGPU_REPO_ROOT=$root   # tests that compare against files of the tree find it from /tmp/vaegpu/tests
"$DOTNET_ROOT/dotnet" --list-runtimes > "$OUT/dotnet-runtimes.txt" 2>&1 || { echo "run-checks: the unpacked runtime does not start" >&2; exit 2; }

# The test publish holds most of the CLI's files; pack.sh left only the others in .gpu/cli.
tests=/tmp/vaegpu/tests cli=/tmp/vaegpu/cli
rm -rf /tmp/vaegpu /tmp/vaegpu-builds && mkdir -p "$tests" "$cli" /tmp/vaegpu-builds
unxz_to .gpu/builds.tar.xz /tmp/vaegpu-builds.tar
tar xf /tmp/vaegpu-builds.tar -C /tmp/vaegpu-builds && rm -f /tmp/vaegpu-builds.tar
cp -r /tmp/vaegpu-builds/tests/. "$tests/"
cp -r /tmp/vaegpu-builds/tests/. "$cli/"
cp -r /tmp/vaegpu-builds/cli/. "$cli/"
chmod +x "$tests/VaeGpu.Tests" "$cli/VaeGpu.Cli"

# Training data: the packed train files (xz) next to the tree's t10k files.
data=/tmp/vaegpu-data
mkdir -p "$data"
for f in .gpu/data/*.xz; do [ -f "$f" ] && unxz_to "$f" "$data/$(basename "$f" .xz)"; done
for f in data/fashion-mnist/*.gz; do ln -sf "$root/$f" "$data/"; done
if [ ! -e "$data/train-images-idx3-ubyte" ]; then
  log "warning: no train files in .gpu/data: training on the embedded t10k set"
  data=embedded
fi

log "steps: ${steps[*]}; output in $OUT"
for step in "${steps[@]}"; do
  case $step in
    info)
      run nvidia-smi nvidia-smi -L
      run nvidia-smi-full nvidia-smi
      run devices "$cli/VaeGpu.Cli" devices
      ;;
    tests)
      cuda_classes=(-class VaeGpu.Tests.Accelerators.Ilgpu.CudaAcceleratorOpTests
        -class VaeGpu.Tests.Accelerators.Ilgpu.CudaVersion2AcceleratorOpTests
        -class VaeGpu.Tests.Accelerators.Ilgpu.CudaTrainingTests -class VaeGpu.Tests.Accelerators.Ilgpu.IlgpuPhiloxTests
        -class VaeGpu.Tests.Training.StepCaptureTests -class VaeGpu.Tests.Model.GradientCheckTests
        -class VaeGpu.Tests.Model.ConvGradientCheckTests -class VaeGpu.Tests.Training.ConvTrainingTests)
      run tests-cuda "$tests/VaeGpu.Tests" "${cuda_classes[@]}" -diagnostics -noColor -xml "$OUT/tests-cuda.xml"
      VAEGPU_CUDA_MATH=software run tests-cuda-software-math "$tests/VaeGpu.Tests" "${cuda_classes[@]}" -diagnostics \
        -noColor -xml "$OUT/tests-cuda-software-math.xml"
      run tests-all "$tests/VaeGpu.Tests" -noColor -xml "$OUT/tests-all.xml"
      ;;
    train)
      for device in cuda cpu; do
        run "train-$device-b128" "$cli/VaeGpu.Cli" train --device "$device" --data "$data" --epochs "$EPOCHS" \
          --batch-size 128 --seed 1 --out "$OUT/run-$device-b128"
      done
      run compare-cuda-cpu cmp "$OUT/run-cuda-b128/checkpoint.bin" "$OUT/run-cpu-b128/checkpoint.bin"
      run train-cuda-fused-b128 "$cli/VaeGpu.Cli" train --device cuda --data "$data" --epochs "$EPOCHS" \
        --batch-size 128 --seed 1 --Kernels:Step=2 --out "$OUT/run-cuda-fused-b128"
      run compare-cuda-fused cmp "$OUT/run-cuda-b128/checkpoint.bin" "$OUT/run-cuda-fused-b128/checkpoint.bin"
      # The convolutional model (issue 21): one epoch on cuda beside the cpu, the same bits expected.
      for device in cuda cpu; do
        run "train-conv-$device-b128" "$cli/VaeGpu.Cli" train --device "$device" --data "$data" --epochs 1 \
          --arch conv --channels 32,64 --batch-size 128 --seed 1 --out "$OUT/run-conv-$device-b128"
      done
      run compare-conv-cuda-cpu cmp "$OUT/run-conv-cuda-b128/checkpoint.bin" "$OUT/run-conv-cpu-b128/checkpoint.bin"
      # With BatchNorm (Model:Norm = batch): the running statistics are in the checkpoint too.
      for device in cuda cpu; do
        run "train-conv-bn-$device-b128" "$cli/VaeGpu.Cli" train --device "$device" --data "$data" --epochs 1 \
          --arch conv --channels 32,64 --norm batch --batch-size 128 --seed 1 --out "$OUT/run-conv-bn-$device-b128"
      done
      run compare-conv-bn-cuda-cpu cmp "$OUT/run-conv-bn-cuda-b128/checkpoint.bin" "$OUT/run-conv-bn-cpu-b128/checkpoint.bin"
      ;;
    bench)
      run bench "$cli/VaeGpu.Cli" bench --json "$OUT/bench.json"
      run bench-kernels "$cli/VaeGpu.Cli" bench --kernels --device cuda
      run train-cuda-no-graphs "$cli/VaeGpu.Cli" train --device cuda --data "$data" --epochs "$EPOCHS" \
        --batch-size 128 --seed 1 --Training:CudaGraphs=false --out "$OUT/run-cuda-nographs-b128"
      ;;
    cublas)
      run cublas "$PYTHON" bench/peers/cublas_sgemm.py
      ;;
    cudnn)
      run cudnn "$PYTHON" bench/peers/cudnn_conv.py
      ;;
    torch)
      for mode in ${TORCH_MODES:-eager compile}; do
        for batch in ${TORCH_BATCHES:-128 1024}; do
          run "torch-$mode-b$batch" "$PYTHON" bench/peers/torch_vae.py --data "$data" --epochs "$EPOCHS" \
            --batch-size "$batch" --mode "$mode" --seed 1
        done
        # The conv model (issue 21) beside train-conv-cuda-b128.
        run "torch-conv-$mode-b128" "$PYTHON" bench/peers/torch_vae.py --data "$data" --epochs "$EPOCHS" \
          --arch conv --channels 32,64 --batch-size 128 --mode "$mode" --seed 1
        run "torch-conv-bn-$mode-b128" "$PYTHON" bench/peers/torch_vae.py --data "$data" --epochs "$EPOCHS" \
          --arch conv --channels 32,64 --norm batch --batch-size 128 --mode "$mode" --seed 1
      done
      ;;
    *) echo "run-checks: unknown step '$step' (info, tests, train, bench, torch, cublas, cudnn)" >&2; exit 2 ;;
  esac
done

if [ ${#failed[@]} -gt 0 ]; then
  log "FAILED: ${failed[*]}"
  exit 1
fi
log "all steps passed: ${steps[*]}"
