namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// Host memory standing in for device memory. The array is pinned (allocated on the pinned object
/// heap) so that the kernels can take raw pointers into it without a fixed block per call.
/// </summary>
internal sealed class CpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    public CpuBuffer(IAccelerator owner, int length) : base(owner, length)
    {
        Data = GC.AllocateArray<T>(length, pinned: true);
    }

    public T[] Data { get; private set; }

    protected override void Release() => Data = [];
}
