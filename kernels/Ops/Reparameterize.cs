using ILGPU;
using ILGPU.Runtime;

namespace VaeGpu.Kernels;

/// <summary>
/// The reparameterization trick and its backward pass (version 1 of each), noise drawn on the device.
/// Forward   one thread per row. head[rows × 2L] = (μ | logvar); lv = clamp(logvar); eps = T·ε with ε
///           Philox normal number (FirstElement + row·L + j) of (seed, stream, step = counter[0]): FirstElement is a
///           shard's first global row · L, so every row draws the noise of its row in the whole batch;
///           z = μ + exp(½·lv)·eps; kl[row] = −½ Σ_j (1 + lv − μ² − exp(lv)), summed in double in j order.
/// Backward  one thread per element. w = β(step)·klScale (linear warm-up, as KlWeight.At);
///           dμ = dz + w·μ; dlv = dz·½·exp(½·lv)·eps + w·½·(exp(lv) − 1) inside the clamp, 0 outside.
/// The per-element arithmetic is <see cref="ReparameterizeMath"/>, shared with the CPU accelerator.
/// PhiloxBits raw Philox blocks, for the tests that compare the device stream with the CPU's bit for bit.
/// CPU twin: VaeGpu.Accelerators.Cpu.CpuAccelerator.Reparameterize / ReparameterizeBackward.
/// </summary>
public static class ReparameterizeKernels
{
    public static void Forward(Index1D row, ArrayView<float> head, ArrayView<float> z, ArrayView<float> eps, ArrayView<float> kl,
        ArrayView<uint> counter, int latent, SampleSettings settings) =>
        SampleRow(row, head, z, eps, kl, counter[0], latent, settings);

    /// <summary>Forward's work for one row at <paramref name="step"/> (the fused head kernel calls it too).</summary>
    public static void SampleRow(int row, ArrayView<float> head, ArrayView<float> z, ArrayView<float> eps, ArrayView<float> kl,
        uint step, int latent, SampleSettings settings)
    {
        double klSum = 0;
        for (int j = 0; j < latent; j++)
        {
            float mu = head[2 * row * latent + j];
            float logVar = ReparameterizeMath.ClampLogVar(head[(2 * row + 1) * latent + j], settings.LogVarMin, settings.LogVarMax);
            float noise = settings.Temperature * Philox.Normal(settings.SeedLow, settings.SeedHigh, settings.Stream, step,
                settings.FirstElement + (uint)(row * latent + j));
            eps[row * latent + j] = noise;
            z[row * latent + j] = ReparameterizeMath.Sample(mu, logVar, noise);
            klSum += ReparameterizeMath.KlTerm(mu, logVar);
        }
        kl[row] = (float)klSum;
    }

    public static void Backward(Index1D index, ArrayView<float> dz, ArrayView<float> head, ArrayView<float> eps,
        ArrayView<float> dHead, ArrayView<uint> counter, int latent, float logVarMin, float logVarMax,
        float beta, int warmupSteps, float klScale)
    {
        int row = index / latent, j = index - row * latent;
        long step = counter[0];
        float weight = ReparameterizeMath.KlWeight(beta, warmupSteps, step) * klScale;
        int muAt = 2 * row * latent + j, logVarAt = muAt + latent;
        float upstream = dz[index];
        dHead[muAt] = ReparameterizeMath.MuGradient(upstream, head[muAt], weight);
        dHead[logVarAt] = ReparameterizeMath.LogVarGradient(upstream, head[logVarAt], eps[index], weight, logVarMin, logVarMax);
    }

    public static void PhiloxBits(Index1D block, ArrayView<uint> bits, uint firstBlock, uint step, uint stream, uint seedLow, uint seedHigh)
    {
        PhiloxBlock r = Philox.Block(seedLow, seedHigh, stream, step, firstBlock + (uint)(int)block);
        bits[4 * block] = r.X;
        bits[4 * block + 1] = r.Y;
        bits[4 * block + 2] = r.Z;
        bits[4 * block + 3] = r.W;
    }
}

/// <summary>Loads the reparameterization kernels once per accelerator and launches them on a stream.</summary>
public sealed class ReparameterizeLauncher
{
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<uint>, int, SampleSettings> _forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<uint>, int, float, float, float, int, float> _backward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<uint>, uint, uint, uint, uint, uint> _philoxBits;

    private readonly LaunchCounter _launches;

    public ReparameterizeLauncher(Accelerator accelerator, LaunchCounter launches)
    {
        _launches = launches;
        _forward = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<uint>, int, SampleSettings>(ReparameterizeKernels.Forward);
        _backward = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<uint>, int, float, float, float, int, float>(ReparameterizeKernels.Backward);
        _philoxBits = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<uint>, uint, uint, uint, uint, uint>(ReparameterizeKernels.PhiloxBits);
    }

    public void Forward(AcceleratorStream stream, ArrayView<float> head, ArrayView<float> z, ArrayView<float> eps, ArrayView<float> kl,
        ArrayView<uint> counter, int rows, int latent, SampleSettings settings)
    {
        if (rows == 0) return;
        _launches.Add();
        _forward(stream, rows, head, z, eps, kl, counter, latent, settings);
    }

    public void Backward(AcceleratorStream stream, ArrayView<float> dz, ArrayView<float> head, ArrayView<float> eps, ArrayView<float> dHead,
        ArrayView<uint> counter, int rows, int latent, float logVarMin, float logVarMax, float beta, int warmupSteps, float klScale)
    {
        if (rows == 0 || latent == 0) return;
        _launches.Add();
        _backward(stream, rows * latent, dz, head, eps, dHead, counter, latent, logVarMin, logVarMax, beta, warmupSteps, klScale);
    }

    public void PhiloxBits(AcceleratorStream stream, ArrayView<uint> bits, uint firstBlock, uint step, uint noiseStream, ulong seed)
    {
        int blocks = (int)(bits.Length / 4);
        if (blocks == 0) return;
        _launches.Add();
        _philoxBits(stream, blocks, bits, firstBlock, step, noiseStream, (uint)seed, (uint)(seed >> 32));
    }
}
