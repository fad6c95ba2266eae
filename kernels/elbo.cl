/*
 * elbo.cl: the decoder's output layer fused with the reconstruction loss (one version).
 *
 * elbo_output  logits = h[rows × hidden] · wᵀ + b (w is [out × hidden]) stay in registers; for each
 *              element the NLL of target x and, when write_gradient, dlogits = grad_scale · ∂NLL/∂logit
 *              are computed in the GEMM's epilogue. Each work-group writes, per row, the sum of its
 *              TILE_N columns' NLL to partial[row · column_tiles + tile] (work-items in column order,
 *              then their register columns in order): logits are never stored.
 * row_sums     nll[row] = Σ_t partial[row · column_tiles + t], tiles in order: a fixed-order
 *              reduction, no atomics.
 */
#include "common.h"
#include "gemm_tile.h"

__kernel void elbo_output(
    __global const float* h, int h_off, __global const float* w, int w_off,
    __global const float* b, int b_off, __global const float* target, int target_off,
    __global float* partial, __global float* dlogits, int dlogits_off,
    int rows, int hidden, int out_features, int likelihood, float sigma, float grad_scale, int write_gradient)
{
    __local float a_tile[TILE_K * TILE_M];
    __local float b_tile[TILE_K * TILE_N];
    __local float row_parts[TILE_M * THREADS_N];
    float acc[WPT_M * WPT_N];
    int row0 = (int)get_group_id(1) * TILE_M, col0 = (int)get_group_id(0) * TILE_N;
    gemm_accumulate(h, h_off, hidden, 1, w, w_off, 1, hidden,
                    rows, out_features, hidden, row0, col0, a_tile, b_tile, acc);

    int tx = (int)get_local_id(0), ty = (int)get_local_id(1);
    for (int i = 0; i < WPT_M; i++) {
        int local_row = ty + i * THREADS_M;
        int row = row0 + local_row;
        float sum = 0.0f;
        for (int j = 0; j < WPT_N; j++) {
            int col = col0 + tx + j * THREADS_N;
            if (row < rows && col < out_features) {
                int at = row * out_features + col;
                float gradient;
                sum += pixel_nll(likelihood, sigma, acc[i * WPT_N + j] + b[b_off + col], target[target_off + at], &gradient);
                if (write_gradient) dlogits[dlogits_off + at] = grad_scale * gradient;
            }
        }
        row_parts[local_row * THREADS_N + tx] = sum;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (tx == 0) {
        int column_tiles = (int)get_num_groups(0);
        for (int i = 0; i < WPT_M; i++) {
            int local_row = ty + i * THREADS_M;
            int row = row0 + local_row;
            if (row >= rows) continue;
            float sum = 0.0f;
            for (int t = 0; t < THREADS_N; t++) sum += row_parts[local_row * THREADS_N + t];
            partial[row * column_tiles + (int)get_group_id(0)] = sum;
        }
    }
}

__kernel void row_sums(__global const float* partial, int columns, __global float* out, int out_off, int rows)
{
    int row = (int)get_global_id(0);
    if (row >= rows) return;
    float sum = 0.0f;
    for (int t = 0; t < columns; t++) sum += partial[row * columns + t];
    out[out_off + row] = sum;
}
