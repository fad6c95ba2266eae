/*
 * cuda_prelude.h: compiles the OpenCL C kernels of this folder as CUDA C++ with NVRTC (the
 * approach CLBlast takes for its CUDA back end). The CUDA accelerator puts this file first and
 * defines VAEGPU_CUDA; OpenCL never sees it. Rules for the kernels that keep this mapping small:
 * DESIGN.md's portable subset (OpenCL C 1.2, `inline` on every helper, global size a multiple of
 * the local size, tuning values as #defines, no vloadN/mad/atomics/OpenCL-only built-ins).
 *
 *   OpenCL C                              CUDA
 *   __kernel                              extern "C" __global__
 *   __global / __constant                 (nothing) / const
 *   __local                               __shared__
 *   LOCAL_PTR (a __local pointer param)   (nothing: __shared__ applies to variables only)
 *   restrict                              __restrict__
 *   inline helper                         __device__ inline helper
 *   get_global_id(d)                      blockIdx.d * blockDim.d + threadIdx.d
 *   get_local_id / get_group_id(d)        threadIdx.d / blockIdx.d
 *   get_local_size / get_num_groups(d)    blockDim.d / gridDim.d
 *   barrier(CLK_LOCAL_MEM_FENCE)          __syncthreads()
 *   uint, ulong, uchar                    unsigned int, unsigned long long, unsigned char
 *   NAN                                   __int_as_float(0x7fc00000)
 *
 * The float overloads of exp, log, sqrt, tanh, pow, sin, cos, log1p, fabs, fmin, fmax exist in
 * CUDA C++ device code, so the math in the kernels needs no mapping.
 */
#ifndef VAEGPU_CUDA_PRELUDE_H
#define VAEGPU_CUDA_PRELUDE_H

#define VAEGPU_CUDA 1

#define __kernel extern "C" __global__
#define __global
#define __constant const
#define __local __shared__
#define LOCAL_PTR
#define restrict __restrict__
#define inline __device__ inline

typedef unsigned int uint;
typedef unsigned long long ulong;
typedef unsigned char uchar;

#define CLK_LOCAL_MEM_FENCE 1
#define CLK_GLOBAL_MEM_FENCE 2
#define barrier(flags) __syncthreads()

#ifndef NAN
#define NAN __int_as_float(0x7fc00000)
#endif

__device__ __forceinline__ unsigned int vaegpu_dim(int d, dim3 v) { return d == 0 ? v.x : d == 1 ? v.y : v.z; }
__device__ __forceinline__ unsigned int vaegpu_dim(int d, uint3 v) { return d == 0 ? v.x : d == 1 ? v.y : v.z; }

#define get_local_id(d) vaegpu_dim((d), threadIdx)
#define get_group_id(d) vaegpu_dim((d), blockIdx)
#define get_local_size(d) vaegpu_dim((d), blockDim)
#define get_num_groups(d) vaegpu_dim((d), gridDim)
#define get_global_id(d) (vaegpu_dim((d), blockIdx) * vaegpu_dim((d), blockDim) + vaegpu_dim((d), threadIdx))

#endif
