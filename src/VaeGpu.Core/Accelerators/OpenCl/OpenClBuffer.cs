using static VaeGpu.Accelerators.OpenCl.OpenClNative;

namespace VaeGpu.Accelerators.OpenCl;

/// <summary>
/// A cl_mem of <see cref="DeviceBuffer{T}.Length"/> elements. Kernels get the whole buffer plus an
/// element offset as a separate argument (sub-buffers would need CL_DEVICE_MEM_BASE_ADDR_ALIGN).
/// An empty buffer has no cl_mem (OpenCL has no zero-byte buffers); its <see cref="Handle"/> is 0,
/// which clSetKernelArg accepts as a NULL buffer.
/// </summary>
internal sealed class OpenClBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    internal OpenClBuffer(IAccelerator owner, OpenClContext context, nint handle, int length) : base(owner, length)
    {
        Context = context;
        Handle = handle;
    }

    public OpenClContext Context { get; }

    public nint Handle { get; private set; }

    protected override void Release()
    {
        nint handle = Handle;
        Handle = 0;
        if (handle != 0)
            OpenClStatus.Check(clReleaseMemObject(handle), nameof(clReleaseMemObject));
    }
}
