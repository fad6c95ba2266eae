using ILGPU;
using ILGPU.Runtime;

namespace VaeGpu.Kernels;

/// <summary>What the reparameterization takes besides its buffers, as one kernel parameter (the 14-parameter limit).</summary>
public struct SampleSettings
{
    public float LogVarMin, LogVarMax, Temperature;
    public uint SeedLow, SeedHigh, Stream;

    /// <summary>The noise index of the launch's element 0: a shard's first global row · latent, so noise goes by global row.</summary>
    public uint FirstElement;

    public static SampleSettings Of(float logVarMin, float logVarMax, ulong seed, uint stream, float temperature, uint firstElement) => new()
    {
        LogVarMin = logVarMin, LogVarMax = logVarMax, Temperature = temperature,
        SeedLow = (uint)seed, SeedHigh = (uint)(seed >> 32), Stream = stream, FirstElement = firstElement,
    };
}

/// <summary>
/// The encoder's head GEMM (x[rows × in] · wᵀ + b, w [2L × in]: μ | logvar) and the reparameterization
/// in ONE launch (step version 2), explicitly grouped: each group owns <c>ThreadsM</c> consecutive rows.
/// Its threads first compute the group's head elements, each one thread's dot product with one
/// <see cref="Fused.MultiplyAdd"/> per term in k order 0..in−1 from 0, plus the bias: the arithmetic of
/// every GEMM version (<see cref="GemmCore"/>: a zero-padded term never changes a sum that starts at +0),
/// so the same bits as LinearForward with Identity. The head is written (the backward reads it); after a
/// barrier, which makes the group's global writes visible to the group, one thread per row runs
/// <see cref="ReparameterizeKernels.SampleRow"/>, the plain Reparameterize's code.
/// No shared memory: the head is tiny (2L per row) next to the GEMMs, and a row's KL needs all of it.
/// </summary>
public static class HeadSampleKernels
{
    public static void Forward<TTile>(ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> head,
        ArrayView<float> z, ArrayView<float> eps, ArrayView<float> kl, ArrayView<uint> counter,
        int rows, int inFeatures, int latent, SampleSettings settings) where TTile : struct, IGemmTile
    {
        int groupRows = default(TTile).ThreadsM, threads = default(TTile).ThreadsM * default(TTile).ThreadsN;
        int tid = Group.IdxY * default(TTile).ThreadsN + Group.IdxX;
        int row0 = Grid.IdxX * groupRows, width = 2 * latent;
        int ownRows = Math.Min(groupRows, rows - row0);
        for (int e = tid; e < ownRows * width; e += threads)
        {
            int row = row0 + e / width, column = e - e / width * width;
            float sum = 0f;
            for (int k = 0; k < inFeatures; k++) sum = Fused.MultiplyAdd(x[row * inFeatures + k], w[column * inFeatures + k], sum);
            head[row * width + column] = Activations.Apply(Activations.Identity, sum + b[column]);
        }
        Group.Barrier();
        if (tid >= ownRows) return;
        ReparameterizeKernels.SampleRow(row0 + tid, head, z, eps, kl, counter[0], latent, settings);
    }
}

/// <summary>The fused head kernel (step version 2), loaded for one accelerator.</summary>
public interface IHeadSampleLauncher
{
    /// <summary>head = x · wᵀ + b (2·latent outputs), then z, eps and kl from it as <see cref="ReparameterizeKernels.Forward"/> does.</summary>
    void Forward(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> head,
        ArrayView<float> z, ArrayView<float> eps, ArrayView<float> kl, ArrayView<uint> counter, int rows, int inFeatures, int latent,
        SampleSettings settings);
}

/// <summary>Loads the fused head kernel once per accelerator and launches it on a stream.</summary>
public sealed class HeadSampleLauncher<TTile>(Accelerator accelerator, LaunchCounter launches) : IHeadSampleLauncher where TTile : struct, IGemmTile
{
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<uint>, int, int, int, SampleSettings> _forward =
        accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<uint>, int, int, int, SampleSettings>(HeadSampleKernels.Forward<TTile>);

    public void Forward(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> head,
        ArrayView<float> z, ArrayView<float> eps, ArrayView<float> kl, ArrayView<uint> counter, int rows, int inFeatures, int latent,
        SampleSettings settings)
    {
        if (rows == 0) return;
        TTile tile = default;
        launches.Add();
        _forward(stream, new KernelConfig(new Index2D((rows + tile.ThreadsM - 1) / tile.ThreadsM, 1), new Index2D(tile.ThreadsN, tile.ThreadsM)),
            x, w, b, head, z, eps, kl, counter, rows, inFeatures, latent, settings);
    }
}
