using ILGPU;
using ILGPU.Runtime;

namespace VaeGpu.Accelerators.Ilgpu;

/// <summary>Device memory of an <see cref="IlgpuAccelerator"/>: one ILGPU buffer, freed on Dispose.</summary>
internal sealed class IlgpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private MemoryBuffer1D<T, Stride1D.Dense>? _memory;

    public IlgpuBuffer(IlgpuAccelerator owner, Accelerator accelerator, int length) : base(owner, length)
    {
        // ILGPU refuses zero-length allocations; an empty buffer gets one element that no view reaches.
        _memory = accelerator.Allocate1D<T>(Math.Max(1, length));
    }

    /// <summary>The elements [offset, offset + length) as a view for a kernel.</summary>
    public ArrayView<T> View(int offset, int length) =>
        (_memory ?? throw new ObjectDisposedException(nameof(IlgpuBuffer<T>))).View.SubView(offset, length);

    protected override void Release()
    {
        _memory?.Dispose();
        _memory = null;
    }
}
