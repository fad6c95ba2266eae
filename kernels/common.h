/*
 * common.h: helpers shared by every kernel file, all `inline` so that the CUDA prelude can turn
 * them into __device__ functions. Plain OpenCL C 1.2 in the portable subset of DESIGN.md.
 *
 * - activations and their derivatives written through the output y (codes = VaeGpu's Activation);
 * - Philox4x32-10 (Salmon et al. 2011), bit-identical to VaeGpu.Random.Philox4x32;
 * - the uniform conversion and Box-Muller normals of VaeGpu.Random.PhiloxNormal;
 * - per-pixel negative log-likelihoods (Bernoulli from logits, Gaussian) with their gradients.
 *
 * Bit-for-bit agreement with the CPU accelerator is a goal, not a side effect: element-wise
 * arithmetic is never contracted into FMA (the CPU's C# is not), the GEMMs use explicit fma in the
 * CPU's order, and exp/log/sin/cos/pow are evaluated in double and rounded once (exact_*), as
 * VaeGpu.Accelerators.ExactMath does, wherever the device has double precision. Without it they
 * fall back to the float built-ins and agree to a few ulps.
 */
#ifndef VAEGPU_COMMON_H
#define VAEGPU_COMMON_H

#ifndef VAEGPU_CUDA
#pragma OPENCL FP_CONTRACT OFF
#endif

#if defined(VAEGPU_CUDA) || defined(cl_khr_fp64)
#ifndef VAEGPU_CUDA
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
#define VAEGPU_EXACT 1
inline float exact_exp(float x) { return (float)exp((double)x); }
inline float exact_log(float x) { return (float)log((double)x); }
inline float exact_one_minus_power(float beta, float t) { return (float)(1.0 - pow((double)beta, (double)t)); }
#else
inline float exact_exp(float x) { return exp(x); }
inline float exact_log(float x) { return log(x); }
/* 1 − βᵗ as −expm1(t·ln β): the plain 1 − pow(β, t) would cancel three digits away at β = 0.999. */
inline float exact_one_minus_power(float beta, float t) { return -expm1(t * log(beta)); }
#endif

#define ACT_IDENTITY 0
#define ACT_RELU 1
#define ACT_TANH 2
#define ACT_LEAKY_RELU 3
#define ACT_SIGMOID 4
#define LEAKY_SLOPE 0.01f

#define LIKELIHOOD_BERNOULLI 0
#define LIKELIHOOD_GAUSSIAN 1

inline float activate(int act, float x)
{
    if (act == ACT_RELU) return x > 0.0f ? x : 0.0f;
    if (act == ACT_TANH) return tanh(x);
    if (act == ACT_LEAKY_RELU) return x > 0.0f ? x : LEAKY_SLOPE * x;
    if (act == ACT_SIGMOID) return 1.0f / (1.0f + exp(-x));
    return x;
}

/* dy/dx through y = act(x): no kernel ever needs the pre-activation. */
inline float activation_derivative(int act, float y)
{
    if (act == ACT_RELU) return y > 0.0f ? 1.0f : 0.0f;
    if (act == ACT_TANH) return 1.0f - y * y;
    if (act == ACT_LEAKY_RELU) return y > 0.0f ? 1.0f : LEAKY_SLOPE;
    if (act == ACT_SIGMOID) return y * (1.0f - y);
    return 1.0f;
}

/* ---- Philox4x32-10 ---------------------------------------------------------------------- */

typedef struct { uint x; uint y; uint z; uint w; } philox4;

/* The high word of a 32×32 product, through a 64-bit multiply: no mul_hi/__umulhi needed. */
inline uint philox_mulhi(uint a, uint b) { return (uint)(((ulong)a * (ulong)b) >> 32); }

inline philox4 philox4x32_10(philox4 c, uint key0, uint key1)
{
    for (int round = 0; round < 10; round++) {
        uint hi0 = philox_mulhi(0xD2511F53u, c.x), lo0 = 0xD2511F53u * c.x;
        uint hi1 = philox_mulhi(0xCD9E8D57u, c.z), lo1 = 0xCD9E8D57u * c.z;
        philox4 next;
        next.x = hi1 ^ c.y ^ key0;
        next.y = lo1;
        next.z = hi0 ^ c.w ^ key1;
        next.w = lo0;
        c = next;
        key0 += 0x9E3779B9u;
        key1 += 0xBB67AE85u;
    }
    return c;
}

/* u = ((bits >> 9) + 0.5) · 2^-23: exact in float, so never 0 or 1, and the same on every device. */
inline float philox_uniform(uint bits) { return ((float)(bits >> 9) + 0.5f) * 1.1920928955078125e-7f; }

/*
 * Normal number `element` of (seed, stream, step): number element % 4 of the block
 * Philox(counter = (element / 4, step, stream, 0), key = seed), the block's four normals being
 * Box-Muller of words (x, y) and (z, w), cosine first.
 */
inline float philox_normal(uint seed_lo, uint seed_hi, uint stream, uint step, uint element)
{
    philox4 c;
    c.x = element >> 2;
    c.y = step;
    c.z = stream;
    c.w = 0u;
    philox4 r = philox4x32_10(c, seed_lo, seed_hi);
    uint second_pair = element & 2u;
    uint radius_bits = second_pair ? r.z : r.x;
    uint angle_bits = second_pair ? r.w : r.y;
#ifdef VAEGPU_EXACT
    double radius = sqrt(-2.0 * log((double)philox_uniform(radius_bits)));
    double angle = 6.283185307179586 * (double)philox_uniform(angle_bits);
    return (float)((element & 1u) ? radius * sin(angle) : radius * cos(angle));
#else
    float radius = sqrt(-2.0f * log(philox_uniform(radius_bits)));
    float angle = 6.2831855f * philox_uniform(angle_bits);
    return (element & 1u) ? radius * sin(angle) : radius * cos(angle);
#endif
}

/* ---- Reconstruction likelihoods ------------------------------------------------------- */

/* log(1 + e) for e in [0, 1], accurate when 1 + e would round to 1 (as the CPU accelerator does). */
inline float log_one_plus(float e) { return e < 1e-4f ? e * (1.0f - 0.5f * e) : exact_log(1.0f + e); }

/* NLL of target x given decoder output `out` (a logit, or a Gaussian mean); *gradient = ∂NLL/∂out. */
inline float pixel_nll(int likelihood, float sigma, float out, float x, float* gradient)
{
    if (likelihood == LIKELIHOOD_BERNOULLI) {
        /* BCE from logits, stable for any |logit|: max(l, 0) − l·x + log(1 + e^−|l|). */
        float e = exact_exp(-fabs(out));
        float s = out >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
        *gradient = s - x;
        return fmax(out, 0.0f) - out * x + log_one_plus(e);
    }
    float variance = sigma * sigma;
    float difference = out - x;
    *gradient = difference / variance;
    return difference * difference / (2.0f * variance) + exact_log(sigma) + 0.9189385332046727f; /* ½·ln 2π */
}

#endif
