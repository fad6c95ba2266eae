/*
 * adam.cl: Adam over the flat parameter buffer in one launch (one version), one work-item per
 * parameter, in PyTorch's formulation with t = counter[0] + 1 read on the device (so a captured
 * step stays valid): m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g², p −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
 */
#include "common.h"

__kernel void adam_step(
    __global float* p, int p_off, __global const float* g, int g_off, __global float* m, int m_off,
    __global float* v, int v_off, __global const uint* counter, int counter_off, int n,
    float lr, float beta1, float beta2, float epsilon)
{
    int i = (int)get_global_id(0);
    if (i >= n) return;
    float t = (float)(counter[counter_off] + 1u);
    /* exact_one_minus_power: a float 1 − pow(0.999, t) cancels three digits away, so one ulp of pow
       became a 3e-5 relative error in the step (measured on PoCL). */
    float step_size = lr / exact_one_minus_power(beta1, t);
    float inverse_sqrt_correction2 = 1.0f / sqrt(exact_one_minus_power(beta2, t));
    float gradient = g[g_off + i];
    float m_new = beta1 * m[m_off + i] + (1.0f - beta1) * gradient;
    float v_new = beta2 * v[v_off + i] + (1.0f - beta2) * gradient * gradient;
    m[m_off + i] = m_new;
    v[v_off + i] = v_new;
    p[p_off + i] -= step_size * m_new / (sqrt(v_new) * inverse_sqrt_correction2 + epsilon);
}
