/*
 * reparam.cl: the reparameterization trick and its backward pass (one version each).
 *
 * reparameterize           one work-item per row. head[rows × 2L] = (μ | logvar); lv = clamp(logvar);
 *                          eps = T·ε with ε Philox normal number (row·L + j) of (seed, stream, step =
 *                          counter[0]); z = μ + exp(½·lv)·eps; kl[row] = −½ Σ_j (1 + lv − μ² − exp(lv)).
 * reparameterize_backward  one work-item per element. w = β(step)·kl_scale (linear warm-up);
 *                          dμ = dz + w·μ; dlv = dz·½·exp(½·lv)·eps + w·½·(exp(lv) − 1) inside the
 *                          clamp, 0 outside it.
 * philox_bits              one work-item per block: bits[4·i .. 4·i+3] = Philox(counter = (first_block + i,
 *                          step, stream, 0), key = seed). Not used in training: it lets the tests check
 *                          that a device draws the same raw stream as VaeGpu.Random.Philox4x32.
 */
#include "common.h"

__kernel void reparameterize(
    __global const float* head, int head_off, __global float* z, int z_off, __global float* eps, int eps_off,
    __global float* kl, int kl_off, __global const uint* counter, int counter_off,
    int rows, int latent, float lv_min, float lv_max, uint seed_lo, uint seed_hi, uint stream, float temperature)
{
    int row = (int)get_global_id(0);
    if (row >= rows) return;
    uint step = counter[counter_off];
    float kl_sum = 0.0f;
    for (int j = 0; j < latent; j++) {
        float mu = head[head_off + 2 * row * latent + j];
        float lv = fmin(fmax(head[head_off + (2 * row + 1) * latent + j], lv_min), lv_max);
        float noise = temperature * philox_normal(seed_lo, seed_hi, stream, step, (uint)(row * latent + j));
        eps[eps_off + row * latent + j] = noise;
        z[z_off + row * latent + j] = mu + exact_exp(0.5f * lv) * noise;
        kl_sum += -0.5f * (1.0f + lv - mu * mu - exact_exp(lv));
    }
    kl[kl_off + row] = kl_sum;
}

__kernel void reparameterize_backward(
    __global const float* dz, int dz_off, __global const float* head, int head_off,
    __global const float* eps, int eps_off, __global float* dhead, int dhead_off,
    __global const uint* counter, int counter_off, int rows, int latent, float lv_min, float lv_max,
    float beta, int warmup_steps, float kl_scale)
{
    int index = (int)get_global_id(0);
    if (index >= rows * latent) return;
    int row = index / latent, j = index % latent;
    uint step = counter[counter_off];
    float weight = warmup_steps <= 0 ? beta : beta * fmin(1.0f, (float)(step + 1u) / (float)warmup_steps); /* as KlWeight.At */
    weight *= kl_scale;
    int mu_at = 2 * row * latent + j, lv_at = mu_at + latent;
    float mu = head[head_off + mu_at];
    float lv = head[head_off + lv_at];
    float upstream = dz[dz_off + index];
    dhead[dhead_off + mu_at] = upstream + weight * mu;
    dhead[dhead_off + lv_at] = (lv >= lv_min && lv <= lv_max)
        ? upstream * 0.5f * exact_exp(0.5f * lv) * eps[eps_off + index] + weight * 0.5f * (exact_exp(lv) - 1.0f)
        : 0.0f;
}

__kernel void philox_bits(__global uint* bits, int bits_off, int blocks, uint first_block,
    uint step, uint stream, uint seed_lo, uint seed_hi)
{
    int i = (int)get_global_id(0);
    if (i >= blocks) return;
    philox4 c;
    c.x = first_block + (uint)i;
    c.y = step;
    c.z = stream;
    c.w = 0u;
    philox4 r = philox4x32_10(c, seed_lo, seed_hi);
    bits[bits_off + 4 * i] = r.x;
    bits[bits_off + 4 * i + 1] = r.y;
    bits[bits_off + 4 * i + 2] = r.z;
    bits[bits_off + 4 * i + 3] = r.w;
}
