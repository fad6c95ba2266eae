/*
 * reduce.cl: deterministic sums and small data-movement kernels (one version each).
 *
 * reduce_sum       dst[0] = Σ src[0..n): ONE work-group of REDUCE_GROUP work-items; work-item i sums
 *                  src[i], src[i + G], … in order, then a fixed tree in local memory. The order
 *                  depends only on n and REDUCE_GROUP: no atomics, the same result every run.
 * gather_rows      dst[i, :] = images[indices[i], :] / 255 (u8 pixels to floats); an index outside
 *                  the image set writes NaN, which the loss check then reports.
 * advance_counter  counter[0] += 1 (one work-item).
 */
#include "common.h"

#ifndef REDUCE_GROUP
#define REDUCE_GROUP 256
#endif

__kernel void reduce_sum(__global const float* src, int src_off, int n, __global float* dst, int dst_off)
{
    __local float parts[REDUCE_GROUP];
    int lid = (int)get_local_id(0);
    float sum = 0.0f;
    for (int i = lid; i < n; i += REDUCE_GROUP) sum += src[src_off + i];
    parts[lid] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = REDUCE_GROUP / 2; stride > 0; stride >>= 1) {
        if (lid < stride) parts[lid] += parts[lid + stride];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) dst[dst_off] = parts[0];
}

__kernel void gather_rows(
    __global const uchar* images, int images_off, int image_count, __global const int* indices, int indices_off,
    __global float* dst, int dst_off, int rows, int row_length)
{
    int gid = (int)get_global_id(0);
    if (gid >= rows * row_length) return;
    int i = gid / row_length, j = gid % row_length;
    int index = indices[indices_off + i];
    dst[dst_off + gid] = (index >= 0 && index < image_count)
        ? (float)images[images_off + index * row_length + j] / 255.0f
        : NAN;
}

__kernel void advance_counter(__global uint* counter, int counter_off)
{
    if (get_global_id(0) == 0) counter[counter_off] += 1u;
}
