using ILGPU;
using ILGPU.Runtime;

namespace VaeGpu.Kernels;

/// <summary>
/// Deterministic sums and the small data-movement kernels of a step (version 1 of each).
/// Sum            destination[0] = Σ source: ONE group of G threads; thread i sums source[i], source[i + G], …
///                in double, then a fixed tree in shared memory. The order depends only on the length
///                and G: no atomics, the same result every run.
/// SumToSlot      the same sum into log[(cursor[0] mod slots)·width + component]: a step's loss into its slot
///                of the device-side loss log, the slot read on the device so that a captured step stays valid.
/// GatherRows     destination[i, :] = images[indices[i], :] / 255 (bytes to floats); an index outside the
///                image set writes NaN, which the loss check then reports.
/// GatherBatch    the same for indices = order[cursor[0]·batchSize ..]: the batch at a device-side cursor.
/// AdvanceCounter counter[0] += 1 (one thread).
/// FinishStep     step version 2: the two SumToSlot of a step (recon into component 0, KL into 1 of a log of
///                (recon, KL) pairs) and the two AdvanceCounter (step counter, then cursor) in one launch of one
///                group, each sum by the same GroupSum, so with the same bits. It runs after Adam, which reads
///                the step counter.
/// CPU twin: VaeGpu.Accelerators.Cpu.CpuAccelerator.Reduce / GatherRows / AdvanceCounter.
/// </summary>
public static class ReduceKernels
{
    public static void Sum<TTile>(ArrayView<float> source, ArrayView<float> destination, int length) where TTile : struct, IGemmTile
    {
        double sum = GroupSum<TTile>(source, length);
        if (Group.IdxX == 0) destination[0] = (float)sum;
    }

    public static void SumToSlot<TTile>(ArrayView<float> source, ArrayView<float> log, int length, int width, int component,
        ArrayView<uint> cursor) where TTile : struct, IGemmTile
    {
        double sum = GroupSum<TTile>(source, length);
        if (Group.IdxX != 0) return;
        uint slots = (uint)(log.Length / width);
        log[(int)(cursor[0] % slots) * width + component] = (float)sum;
    }

    public static void FinishStep<TTile>(ArrayView<float> nll, ArrayView<float> kl, ArrayView<float> log, int length,
        ArrayView<uint> stepCounter, ArrayView<uint> cursor) where TTile : struct, IGemmTile
    {
        double recon = GroupSum<TTile>(nll, length);
        // Every lane has read the first sum before the second one overwrites the shared partial sums.
        Group.Barrier();
        double klSum = GroupSum<TTile>(kl, length);
        if (Group.IdxX != 0) return;
        uint slots = (uint)(log.Length / 2);
        int slot = (int)(cursor[0] % slots) * 2;
        log[slot] = (float)recon;
        log[slot + 1] = (float)klSum;
        stepCounter[0] = stepCounter[0] + 1u;
        cursor[0] = cursor[0] + 1u;
    }

    /// <summary>Σ source in a fixed order (lane-strided partial sums in double, then a shared-memory tree); valid in lane 0.</summary>
    private static double GroupSum<TTile>(ArrayView<float> source, int length) where TTile : struct, IGemmTile
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
        return parts[0];
    }

    public static void GatherRows(Index1D element, ArrayView<byte> images, int imageCount, ArrayView<int> indices,
        ArrayView<float> destination, int rowLength)
    {
        int i = element / rowLength, j = element - i * rowLength;
        int index = indices[i];
        destination[element] = index >= 0 && index < imageCount ? images[index * rowLength + j] / 255f : float.NaN;
    }

    public static void GatherBatch(Index1D element, ArrayView<byte> images, int imageCount, ArrayView<int> order,
        ArrayView<uint> cursor, int batchSize, ArrayView<float> destination, int rowLength)
    {
        int i = element / rowLength, j = element - i * rowLength;
        destination[element] = new GatheredRows(images, order, cursor, batchSize, imageCount, rowLength).Load(i, j);
    }

    public static void AdvanceCounter(Index1D element, ArrayView<uint> counter) => counter[0] = counter[0] + 1u;
}

/// <summary>The reduction and data kernels, loaded for one accelerator; the methods carry IAccelerator's op names.</summary>
public interface IReduceLauncher
{
    void Reduce(AcceleratorStream stream, ArrayView<float> source, ArrayView<float> destination);

    void ReduceToSlot(AcceleratorStream stream, ArrayView<float> source, ArrayView<float> log, int width, int component, ArrayView<uint> cursor);

    void GatherRows(AcceleratorStream stream, ArrayView<byte> images, ArrayView<int> indices, ArrayView<float> destination, int rows, int rowLength);

    void GatherBatch(AcceleratorStream stream, ArrayView<byte> images, ArrayView<int> order, ArrayView<uint> cursor, int batchSize,
        ArrayView<float> destination, int rows, int rowLength);

    void AdvanceCounter(AcceleratorStream stream, ArrayView<uint> counter);

    /// <summary>Step version 2: Σ nll and Σ kl into the log's slot and both counters advanced, in one launch (<see cref="ReduceKernels.FinishStep{TTile}"/>).</summary>
    void FinishStep(AcceleratorStream stream, ArrayView<float> nll, ArrayView<float> kl, ArrayView<float> log,
        ArrayView<uint> stepCounter, ArrayView<uint> cursor);
}

/// <summary>Loads the reduction and data kernels once per accelerator and launches them on a stream.</summary>
public sealed class ReduceLauncher<TTile> : IReduceLauncher where TTile : struct, IGemmTile
{
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, int> _sum;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<byte>, int, ArrayView<int>, ArrayView<float>, int> _gather;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<uint>> _advance;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, int, int, int, ArrayView<uint>> _sumToSlot;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<byte>, int, ArrayView<int>, ArrayView<uint>, int, ArrayView<float>, int> _gatherBatch;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<uint>, ArrayView<uint>> _finishStep;

    private readonly LaunchCounter _launches;

    public ReduceLauncher(Accelerator accelerator, LaunchCounter launches)
    {
        _launches = launches;
        _sum = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, int>(ReduceKernels.Sum<TTile>);
        _gather = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<byte>, int, ArrayView<int>, ArrayView<float>, int>(ReduceKernels.GatherRows);
        _advance = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<uint>>(ReduceKernels.AdvanceCounter);
        _sumToSlot = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, int, int, int, ArrayView<uint>>(ReduceKernels.SumToSlot<TTile>);
        _gatherBatch = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<byte>, int, ArrayView<int>, ArrayView<uint>, int, ArrayView<float>, int>(
            ReduceKernels.GatherBatch);
        _finishStep = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<uint>, ArrayView<uint>>(
            ReduceKernels.FinishStep<TTile>);
    }

    public void FinishStep(AcceleratorStream stream, ArrayView<float> nll, ArrayView<float> kl, ArrayView<float> log,
        ArrayView<uint> stepCounter, ArrayView<uint> cursor)
    {
        _launches.Add();
        _finishStep(stream, OneGroup(), nll, kl, log, (int)nll.Length, stepCounter, cursor);
    }

    /// <summary>The one group of the fixed-order sums: as many lanes as a GEMM tile.</summary>
    private static KernelConfig OneGroup() => new(1, default(TTile).ThreadsM * default(TTile).ThreadsN);

    public void ReduceToSlot(AcceleratorStream stream, ArrayView<float> source, ArrayView<float> log, int width, int component,
        ArrayView<uint> cursor)
    {
        _launches.Add();
        _sumToSlot(stream, OneGroup(), source, log, (int)source.Length, width, component, cursor);
    }

    public void GatherBatch(AcceleratorStream stream, ArrayView<byte> images, ArrayView<int> order, ArrayView<uint> cursor, int batchSize,
        ArrayView<float> destination, int rows, int rowLength)
    {
        if (rows == 0) return;
        _launches.Add();
        _gatherBatch(stream, rows * rowLength, images, (int)(images.Length / rowLength), order, cursor, batchSize, destination, rowLength);
    }

    public void Reduce(AcceleratorStream stream, ArrayView<float> source, ArrayView<float> destination)
    {
        _launches.Add();
        _sum(stream, OneGroup(), source, destination, (int)source.Length);
    }

    public void GatherRows(AcceleratorStream stream, ArrayView<byte> images, ArrayView<int> indices, ArrayView<float> destination,
        int rows, int rowLength)
    {
        if (rows == 0 || rowLength == 0) return;
        _launches.Add();
        _gather(stream, rows * rowLength, images, (int)(images.Length / rowLength), indices, destination, rowLength);
    }

    public void AdvanceCounter(AcceleratorStream stream, ArrayView<uint> counter)
    {
        _launches.Add();
        _advance(stream, 1, counter);
    }
}
