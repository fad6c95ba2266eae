namespace VaeGpu.Accelerators.OpenCl;

/// <summary>
/// One kernel launch, its arguments set in order: <c>Call("k").Span(x).Int(rows).LaunchElements(n)</c>.
/// A span is passed as two arguments, the buffer and the element offset, because kernels address
/// windows of the flat parameter buffer and sub-buffers would need alignment.
/// </summary>
internal sealed class KernelCall(OpenClKernel kernel, KernelTuning tuning) : IKernelCall
{
    private int _index;

    public IKernelCall Span<T>(DeviceSpan<T> span) where T : unmanaged
    {
        kernel.Arg(_index++, span);
        return Int(span.Offset);
    }

    /// <summary>A whole buffer without an offset argument (scratch buffers the kernel indexes itself).</summary>
    public IKernelCall Buffer<T>(DeviceBuffer<T> buffer) where T : unmanaged
    {
        kernel.Arg(_index++, buffer.All);
        return this;
    }

    public IKernelCall Int(int value)
    {
        kernel.Arg(_index++, value);
        return this;
    }

    public IKernelCall UInt(uint value)
    {
        kernel.Arg(_index++, value);
        return this;
    }

    public IKernelCall Float(float value)
    {
        kernel.Arg(_index++, value);
        return this;
    }

    /// <summary>A tiled GEMM over C[m × n], one work-group per TILE_M × TILE_N block (see gemm_tile.h).</summary>
    public void LaunchGemm(int m, int n)
    {
        if (m == 0 || n == 0) return;
        kernel.Launch(
            [CeilDiv(n, tuning.TileN) * tuning.ThreadsN, CeilDiv(m, tuning.TileM) * tuning.ThreadsM],
            [tuning.ThreadsN, tuning.ThreadsM]);
    }

    /// <summary>One work-item per element, in groups of ElementGroup (the global size rounds up).</summary>
    public void LaunchElements(int count)
    {
        if (count == 0) return;
        kernel.Launch([count], [Math.Min(tuning.ElementGroup, count)]);
    }

    /// <summary>Exactly one work-group (the fixed-order reductions).</summary>
    public void LaunchOneGroup(int size) => kernel.Launch([size], [size]);

    private static int CeilDiv(int value, int divisor) => (value + divisor - 1) / divisor;
}
