/*
 * linear.cl: the fully connected layer, forward and backward (one version each).
 *
 * linear_forward           y[rows × out] = act(x[rows × in] · wᵀ + b)      w is [out × in]
 * linear_backward_weights  dw[out × in] = dyᵀ · x                         (sum over rows, in order)
 * linear_backward_input    dx[rows × in] = (dy · w) ⊙ act'(x)             act' of the layer below, from its output x
 * column_sums              db[out] = Σ_rows dy                            one work-item per column, rows in order
 *
 * Every buffer comes with an element offset (…_off), because the ops address layers inside one
 * flat parameter buffer and sub-buffers would need alignment. The GEMMs launch as gemm_tile.h says.
 */
#include "common.h"
#include "gemm_tile.h"

__kernel void linear_forward(
    __global const float* x, int x_off, __global const float* w, int w_off,
    __global const float* b, int b_off, __global float* y, int y_off,
    int rows, int in_features, int out_features, int act)
{
    __local float a_tile[TILE_K * TILE_M];
    __local float b_tile[TILE_K * TILE_N];
    float acc[WPT_M * WPT_N];
    int row0 = (int)get_group_id(1) * TILE_M, col0 = (int)get_group_id(0) * TILE_N;
    /* A = x (row-major), B(k = i, n = o) = w[o·in + i]. */
    gemm_accumulate(x, x_off, in_features, 1, w, w_off, 1, in_features,
                    rows, out_features, in_features, row0, col0, a_tile, b_tile, acc);
    int tx = (int)get_local_id(0), ty = (int)get_local_id(1);
    for (int i = 0; i < WPT_M; i++) {
        int row = row0 + ty + i * THREADS_M;
        if (row >= rows) continue;
        for (int j = 0; j < WPT_N; j++) {
            int col = col0 + tx + j * THREADS_N;
            if (col < out_features)
                y[y_off + row * out_features + col] = activate(act, acc[i * WPT_N + j] + b[b_off + col]);
        }
    }
}

__kernel void linear_backward_weights(
    __global const float* dy, int dy_off, __global const float* x, int x_off,
    __global float* dw, int dw_off, int rows, int in_features, int out_features)
{
    __local float a_tile[TILE_K * TILE_M];
    __local float b_tile[TILE_K * TILE_N];
    float acc[WPT_M * WPT_N];
    int row0 = (int)get_group_id(1) * TILE_M, col0 = (int)get_group_id(0) * TILE_N;
    /* A(m = o, k = r) = dy[r·out + o], B(k = r, n = i) = x[r·in + i]. */
    gemm_accumulate(dy, dy_off, 1, out_features, x, x_off, in_features, 1,
                    out_features, in_features, rows, row0, col0, a_tile, b_tile, acc);
    int tx = (int)get_local_id(0), ty = (int)get_local_id(1);
    for (int i = 0; i < WPT_M; i++) {
        int row = row0 + ty + i * THREADS_M;
        if (row >= out_features) continue;
        for (int j = 0; j < WPT_N; j++) {
            int col = col0 + tx + j * THREADS_N;
            if (col < in_features) dw[dw_off + row * in_features + col] = acc[i * WPT_N + j];
        }
    }
}

__kernel void linear_backward_input(
    __global const float* dy, int dy_off, __global const float* w, int w_off,
    __global const float* x, int x_off, __global float* dx, int dx_off,
    int rows, int in_features, int out_features, int input_act)
{
    __local float a_tile[TILE_K * TILE_M];
    __local float b_tile[TILE_K * TILE_N];
    float acc[WPT_M * WPT_N];
    int row0 = (int)get_group_id(1) * TILE_M, col0 = (int)get_group_id(0) * TILE_N;
    /* A = dy (row-major), B(k = o, n = i) = w[o·in + i]. */
    gemm_accumulate(dy, dy_off, out_features, 1, w, w_off, in_features, 1,
                    rows, in_features, out_features, row0, col0, a_tile, b_tile, acc);
    int tx = (int)get_local_id(0), ty = (int)get_local_id(1);
    for (int i = 0; i < WPT_M; i++) {
        int row = row0 + ty + i * THREADS_M;
        if (row >= rows) continue;
        for (int j = 0; j < WPT_N; j++) {
            int col = col0 + tx + j * THREADS_N;
            if (col < in_features) {
                int at = row * in_features + col;
                dx[dx_off + at] = acc[i * WPT_N + j] * activation_derivative(input_act, x[x_off + at]);
            }
        }
    }
}

__kernel void column_sums(__global const float* dy, int dy_off, __global float* db, int db_off, int rows, int columns)
{
    int col = (int)get_global_id(0);
    if (col >= columns) return;
    float sum = 0.0f;
    for (int r = 0; r < rows; r++) sum += dy[dy_off + r * columns + col];
    db[db_off + col] = sum;
}
