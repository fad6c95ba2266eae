#!/usr/bin/env bash
# Compiles kernels/*.cl as CUDA device code with clang (no CUDA toolkit, no GPU), through
# kernels/cuda_prelude.h, as a stand-in check for NVRTC on machines that have neither: it catches
# syntax and type errors of the prelude mapping and lists the kernels' PTX entry points.
# It is not NVRTC: NVRTC (an EDG front end) is stricter in places (e.g. __shared__ on parameters,
# which clang ignores), so the real check stays the CUDA tests on a GPU machine (bench/GPU.md).
#   apt-get install clang; bash scripts/gpu/clang-check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v clang++ >/dev/null || { echo "clang-check: clang++ not found (apt-get install clang)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Stand-ins for NVRTC's built-in declarations (threadIdx as uint3, blockDim as dim3, math overloads).
cat > "$work/fake_cuda.h" <<'H'
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __host__ __attribute__((host))
#define __shared__ __attribute__((shared))
#define __forceinline__ __inline__ __attribute__((always_inline))
struct uint3 { unsigned int x, y, z; };
struct dim3 {
  unsigned int x, y, z;
  __host__ __device__ dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
  __host__ __device__ dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
  __host__ __device__ operator uint3() const { uint3 r = {x, y, z}; return r; }
};
extern __device__ uint3 threadIdx;
extern __device__ uint3 blockIdx;
extern __device__ dim3 blockDim;
extern __device__ dim3 gridDim;
#define M1(f) __device__ float f(float); __device__ double f(double);
#define M2(f) __device__ float f(float, float); __device__ double f(double, double);
M1(exp) M1(log) M1(sqrt) M1(sin) M1(cos) M1(tanh) M1(fabs) M1(expm1) M1(log1p)
M2(pow) M2(fmin) M2(fmax)
__device__ float fma(float, float, float); __device__ double fma(double, double, double);
__device__ float __int_as_float(int);
void __syncthreads() __attribute__((device));
H
{
  echo '#include "cuda_prelude.h"'
  for f in common.h linear.cl reparam.cl elbo.cl adam.cl reduce.cl; do echo "#include \"$f\""; done
} > "$work/all.cu"
clang++ -x cuda --cuda-device-only --cuda-gpu-arch=sm_80 -nocudainc -nocudalib -S -std=c++17 \
  -DVAEGPU_CUDA=1 -DTILE_M=64 -DTILE_N=64 -DTILE_K=16 -DWPT_M=4 -DWPT_N=4 -DREDUCE_GROUP=256 \
  -include "$work/fake_cuda.h" -I kernels -o "$work/all.ptx" "$work/all.cu"
entries=$(grep -oE '\.entry [a-z_]+' "$work/all.ptx" | cut -d' ' -f2 | tr '\n' ' ')
echo "clang-check: kernels compile as CUDA (sm_80 PTX); entries: $entries"
