using ILGPU;
using ILGPU.Runtime;

namespace VaeGpu.Kernels;

/// <summary>
/// Deterministic sums and the small data-movement kernels of a step (version 1 of each).
/// Sum            destination[0] = Σ source: ONE group of G threads; thread i sums source[i], source[i + G], …
///                in double, then a fixed tree in shared memory. The order depends only on the length
///                and G: no atomics, the same result every run.
/// GatherRows     destination[i, :] = images[indices[i], :] / 255 (bytes to floats); an index outside the
///                image set writes NaN, which the loss check then reports.
/// AdvanceCounter counter[0] += 1 (one thread).
/// CPU twin: VaeGpu.Accelerators.Cpu.CpuAccelerator.Reduce / GatherRows / AdvanceCounter.
/// </summary>
public static class ReduceKernels
{
    public static void Sum<TTile>(ArrayView<float> source, ArrayView<float> destination, int length) where TTile : struct, IGemmTile
    {
        int group = default(TTile).ThreadsM * default(TTile).ThreadsN;
        ArrayView<double> parts = SharedMemory.Allocate<double>(default(TTile).ThreadsM * default(TTile).ThreadsN);
        int lane = Group.IdxX;
        double sum = 0;
        for (int i = lane; i < length; i += group) sum += source[i];
        parts[lane] = sum;
        Group.Barrier();
        for (int stride = group / 2; stride > 0; stride >>= 1)
        {
            if (lane < stride) parts[lane] += parts[lane + stride];
            Group.Barrier();
        }
        if (lane == 0) destination[0] = (float)parts[0];
    }

    public static void GatherRows(Index1D element, ArrayView<byte> images, int imageCount, ArrayView<int> indices,
        ArrayView<float> destination, int rowLength)
    {
        int i = element / rowLength, j = element - i * rowLength;
        int index = indices[i];
        destination[element] = index >= 0 && index < imageCount ? images[index * rowLength + j] / 255f : float.NaN;
    }

    public static void AdvanceCounter(Index1D element, ArrayView<uint> counter) => counter[0] = counter[0] + 1u;
}

/// <summary>Loads the reduction and data kernels once per accelerator and launches them on a stream.</summary>
public sealed class ReduceLauncher<TTile> where TTile : struct, IGemmTile
{
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, int> _sum;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<byte>, int, ArrayView<int>, ArrayView<float>, int> _gather;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<uint>> _advance;

    public ReduceLauncher(Accelerator accelerator)
    {
        _sum = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, int>(ReduceKernels.Sum<TTile>);
        _gather = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<byte>, int, ArrayView<int>, ArrayView<float>, int>(ReduceKernels.GatherRows);
        _advance = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<uint>>(ReduceKernels.AdvanceCounter);
    }

    public void Sum(AcceleratorStream stream, ArrayView<float> source, ArrayView<float> destination)
    {
        TTile tile = default;
        _sum(stream, new KernelConfig(1, tile.ThreadsM * tile.ThreadsN), source, destination, (int)source.Length);
    }

    public void GatherRows(AcceleratorStream stream, ArrayView<byte> images, ArrayView<int> indices, ArrayView<float> destination,
        int rows, int rowLength)
    {
        if (rows == 0 || rowLength == 0) return;
        _gather(stream, rows * rowLength, images, (int)(images.Length / rowLength), indices, destination, rowLength);
    }

    public void AdvanceCounter(AcceleratorStream stream, ArrayView<uint> counter) => _advance(stream, 1, counter);
}
