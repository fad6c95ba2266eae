namespace VaeGpu.Accelerators;

/// <summary>
/// One launch of a kernel of kernels/*.cl on a device accelerator, its arguments set in order:
/// <c>Call("k").Span(x).Int(rows).LaunchElements(n)</c>. A span is two arguments, the buffer and the
/// element offset, because kernels address windows of the flat parameter buffer. The launch
/// geometry (work-group = CUDA block sizes) comes from <see cref="KernelTuning"/>.
/// </summary>
internal interface IKernelCall
{
    IKernelCall Span<T>(DeviceSpan<T> span) where T : unmanaged;

    /// <summary>A whole buffer without an offset argument (scratch buffers the kernel indexes itself).</summary>
    IKernelCall Buffer<T>(DeviceBuffer<T> buffer) where T : unmanaged;

    IKernelCall Int(int value);

    IKernelCall UInt(uint value);

    IKernelCall Float(float value);

    /// <summary>A tiled GEMM over C[m × n], one group per TILE_M × TILE_N block (see gemm_tile.h).</summary>
    void LaunchGemm(int m, int n);

    /// <summary>One work-item per element, in groups of ElementGroup.</summary>
    void LaunchElements(int count);

    /// <summary>Exactly one group (the fixed-order reductions).</summary>
    void LaunchOneGroup(int size);
}
