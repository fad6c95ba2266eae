namespace VaeGpu.Accelerators.Cuda;

/// <summary>
/// cuMemAlloc'd device memory of <see cref="DeviceBuffer{T}.Length"/> elements. Kernels get the base
/// address as a 64-bit pointer plus an element offset as a separate int argument (as on OpenCL).
/// An empty buffer has no allocation: its <see cref="Pointer"/> is 0 (a NULL pointer argument).
/// </summary>
internal sealed class CudaBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private readonly CudaAccelerator _accelerator;

    internal CudaBuffer(CudaAccelerator owner, ulong pointer, int length) : base(owner, length)
    {
        _accelerator = owner;
        Pointer = pointer;
    }

    /// <summary>The CUdeviceptr of element 0 (0 for an empty buffer).</summary>
    public ulong Pointer { get; private set; }

    protected override void Release()
    {
        ulong pointer = Pointer;
        Pointer = 0;
        if (pointer != 0)
            _accelerator.Free(pointer);
    }
}
