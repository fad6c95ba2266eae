using VaeGpu.Kernels;
using VaeGpu.Random;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// The CPU's Reparameterize over a range of rows: ε from Philox at the row's element indices,
/// z = μ + σ·ε, and the row's KL summed in double in column order: the device kernel's
/// <see cref="ReparameterizeMath"/> in the device kernel's order. The normals come a Philox block at a time
/// (<see cref="PhiloxNormal.FillNormals"/>), the same numbers the kernel draws one by one.
/// </summary>
internal readonly unsafe struct ReparameterizeRows(
    float* head, float* z, float* eps, float* kl, int latent, LogVarClamp clamp, NoiseSource noise, uint step) : IRangeJob
{
    public void Run(int start, int end)
    {
        for (int r = start; r < end; r++)
        {
            var epsRow = new Span<float>(eps + (nint)r * latent, latent);
            PhiloxNormal.FillNormals(epsRow, noise.Seed, noise.Stream, step, (noise.FirstRow + r) * latent);
            float* mus = head + (nint)2 * r * latent, logVars = mus + latent;
            double klSum = 0;
            for (int j = 0; j < latent; j++)
            {
                float mu = mus[j];
                float logVar = clamp.Apply(logVars[j]);
                float noiseValue = noise.Temperature * epsRow[j];
                epsRow[j] = noiseValue;
                z[(nint)r * latent + j] = ReparameterizeMath.Sample(mu, logVar, noiseValue);
                klSum += ReparameterizeMath.KlTerm(mu, logVar);
            }
            kl[r] = (float)klSum;
        }
    }
}
