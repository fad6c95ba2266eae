/*
 * gemm_tile.h: the tiled GEMM core that linear.cl and elbo.cl share.
 *
 * C[m × n] = A[m × k] · B[k × n] for strided operands: A(i, kk) = a[a_off + i·a_rs + kk·a_cs] and
 * B(kk, j) = b[b_off + kk·b_rs + j·b_cs], so one core serves X·Wᵀ, dY·W and dYᵀ·X without a
 * transpose in memory. A work-group of THREADS_N × THREADS_M work-items computes one
 * TILE_M × TILE_N block of C; each work-item keeps a WPT_M × WPT_N register block, rows and
 * columns strided by THREADS_M / THREADS_N so that neighbouring work-items touch neighbouring
 * columns. A and B stream through local memory in TILE_K slices. Every element sums k in order
 * 0..k−1 with one fused multiply-add per term, exactly as the CPU accelerator's micro-kernel does,
 * so the result depends neither on the tile sizes nor on the compiler's contraction choices, and
 * matches the CPU bit for bit.
 *
 * Launch: local size (THREADS_N, THREADS_M), global size (⌈n / TILE_N⌉·THREADS_N, ⌈m / TILE_M⌉·THREADS_M).
 */
#ifndef VAEGPU_GEMM_TILE_H
#define VAEGPU_GEMM_TILE_H

#ifndef TILE_M
#define TILE_M 64
#endif
#ifndef TILE_N
#define TILE_N 64
#endif
#ifndef TILE_K
#define TILE_K 16
#endif
#ifndef WPT_M
#define WPT_M 4
#endif
#ifndef WPT_N
#define WPT_N 4
#endif

/* A pointer parameter to local memory. CUDA has no address-space qualifier on pointers
   (__shared__ is for variables only), so cuda_prelude.h defines LOCAL_PTR as nothing (as CLBlast does). */
#ifndef LOCAL_PTR
#define LOCAL_PTR __local
#endif

#define THREADS_M (TILE_M / WPT_M)
#define THREADS_N (TILE_N / WPT_N)
#define GEMM_THREADS (THREADS_M * THREADS_N)

/* Loads one TILE_K slice of A and B into local memory (zero outside the matrices), k-major. */
inline void gemm_load_slice(
    __global const float* a, int a_off, int a_rs, int a_cs,
    __global const float* b, int b_off, int b_rs, int b_cs,
    int m, int n, int k, int row0, int col0, int k0,
    LOCAL_PTR float* a_tile, LOCAL_PTR float* b_tile)
{
    int tid = (int)get_local_id(1) * THREADS_N + (int)get_local_id(0);
    for (int e = tid; e < TILE_M * TILE_K; e += GEMM_THREADS) {
        /* Neighbouring work-items read neighbouring addresses, whichever way A is laid out. */
        int kk = a_cs == 1 ? e % TILE_K : e / TILE_M;
        int mm = a_cs == 1 ? e / TILE_K : e % TILE_M;
        int row = row0 + mm, col = k0 + kk;
        a_tile[kk * TILE_M + mm] = (row < m && col < k) ? a[a_off + row * a_rs + col * a_cs] : 0.0f;
    }
    for (int e = tid; e < TILE_N * TILE_K; e += GEMM_THREADS) {
        int kk = b_cs == 1 ? e / TILE_N : e % TILE_K;
        int nn = b_cs == 1 ? e % TILE_N : e / TILE_K;
        int row = k0 + kk, col = col0 + nn;
        b_tile[kk * TILE_N + nn] = (row < k && col < n) ? b[b_off + row * b_rs + col * b_cs] : 0.0f;
    }
}

/* acc[i·WPT_N + j] = C(row0 + ty + i·THREADS_M, col0 + tx + j·THREADS_N) for this work-item. */
inline void gemm_accumulate(
    __global const float* a, int a_off, int a_rs, int a_cs,
    __global const float* b, int b_off, int b_rs, int b_cs,
    int m, int n, int k, int row0, int col0,
    LOCAL_PTR float* a_tile, LOCAL_PTR float* b_tile, float* acc)
{
    int tx = (int)get_local_id(0), ty = (int)get_local_id(1);
    for (int i = 0; i < WPT_M * WPT_N; i++) acc[i] = 0.0f;
    for (int k0 = 0; k0 < k; k0 += TILE_K) {
        gemm_load_slice(a, a_off, a_rs, a_cs, b, b_off, b_rs, b_cs, m, n, k, row0, col0, k0, a_tile, b_tile);
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < TILE_K; kk++) {
            float a_reg[WPT_M];
            float b_reg[WPT_N];
            for (int i = 0; i < WPT_M; i++) a_reg[i] = a_tile[kk * TILE_M + ty + i * THREADS_M];
            for (int j = 0; j < WPT_N; j++) b_reg[j] = b_tile[kk * TILE_N + tx + j * THREADS_N];
            for (int i = 0; i < WPT_M; i++)
                for (int j = 0; j < WPT_N; j++)
                    acc[i * WPT_N + j] = fma(a_reg[i], b_reg[j], acc[i * WPT_N + j]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

#endif
