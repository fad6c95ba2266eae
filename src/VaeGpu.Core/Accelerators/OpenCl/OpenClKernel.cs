using static VaeGpu.Accelerators.OpenCl.OpenClNative;

namespace VaeGpu.Accelerators.OpenCl;

/// <summary>
/// One kernel and its launcher. Arguments stick until set again (clSetKernelArg semantics), so a
/// launch sets every argument first: <c>kernel.Arg(0, x).Arg(1, x.Offset).Arg(2, n).Launch([n], [256])</c>.
/// Buffers go in as (cl_mem, element offset) pairs: <see cref="Arg{T}(int, DeviceSpan{T})"/> sets only
/// the cl_mem, the caller passes <see cref="DeviceSpan{T}.Offset"/> as the next int argument.
/// Not thread-safe (neither is clSetKernelArg on one kernel object).
/// </summary>
internal sealed unsafe class OpenClKernel : IDisposable
{
    private nint _handle;

    internal OpenClKernel(OpenClContext context, string name, nint handle)
    {
        Context = context;
        Name = name;
        _handle = handle;
    }

    public OpenClContext Context { get; }

    public string Name { get; }

    public nint Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle == 0, this);
            return _handle;
        }
    }

    /// <summary>
    /// Sets argument <paramref name="index"/> to the span's buffer (a NULL buffer for
    /// <c>default</c>, an optional output the caller does not want). The span must come from this context.
    /// </summary>
    public OpenClKernel Arg<T>(int index, DeviceSpan<T> span) where T : unmanaged
    {
        nint memory = 0;
        if (!span.IsNone)
        {
            if (span.Buffer is not OpenClBuffer<T> buffer || !ReferenceEquals(buffer.Context, Context))
                throw new ArgumentException($"{Name}: argument {index} is not a buffer of this OpenCL device ({span.Buffer!.Owner.Name})");
            ObjectDisposedException.ThrowIf(buffer.IsDisposed, buffer);
            memory = buffer.Handle;
        }
        return Set(index, (nuint)sizeof(nint), &memory);
    }

    public OpenClKernel Arg(int index, int value) => Set(index, sizeof(int), &value);

    public OpenClKernel Arg(int index, uint value) => Set(index, sizeof(uint), &value);

    public OpenClKernel Arg(int index, float value) => Set(index, sizeof(float), &value);

    /// <summary>A <c>__local T*</c> argument of <paramref name="elements"/> elements, sized at launch.</summary>
    public OpenClKernel LocalArg<T>(int index, int elements) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(elements);
        return Set(index, (nuint)elements * (nuint)sizeof(T), null);
    }

    /// <summary>One-dimensional <see cref="Launch(ReadOnlySpan{int}, ReadOnlySpan{int})"/>.</summary>
    public void Launch(int global, int local) => Launch([global], [local]);

    /// <summary>
    /// Queues the kernel over <paramref name="global"/> work-items in groups of <paramref name="local"/>
    /// (1 to 3 dimensions). Each global size is rounded up to a multiple of its local size, so kernels
    /// guard their tails; a global size of 0 in any dimension launches nothing.
    /// </summary>
    public void Launch(ReadOnlySpan<int> global, ReadOnlySpan<int> local)
    {
        if (global.Length is < 1 or > 3 || local.Length != global.Length)
            throw new ArgumentException($"{Name}: launch needs 1 to 3 dimensions and a local size for each " +
                $"(got {global.Length} global, {local.Length} local)");
        nuint* globalSize = stackalloc nuint[3];
        nuint* localSize = stackalloc nuint[3];
        for (int d = 0; d < global.Length; d++)
        {
            if (global[d] < 0)
                throw new ArgumentOutOfRangeException(nameof(global), global[d], $"{Name}: global size {d} is negative");
            if (local[d] <= 0)
                throw new ArgumentOutOfRangeException(nameof(local), local[d], $"{Name}: local size {d} must be positive");
            localSize[d] = (nuint)local[d];
            globalSize[d] = ((nuint)global[d] + (nuint)local[d] - 1) / (nuint)local[d] * (nuint)local[d];
        }
        for (int d = 0; d < global.Length; d++)
        {
            if (global[d] == 0)
                return;
        }
        Context.Check(clEnqueueNDRangeKernel(Context.Queue, Handle, (uint)global.Length, null, globalSize, localSize, 0, null, null),
            nameof(clEnqueueNDRangeKernel), $"kernel {Name}");
    }

    public void Dispose()
    {
        nint handle = _handle;
        _handle = 0;
        if (handle != 0)
            clReleaseKernel(handle);
    }

    private OpenClKernel Set(int index, nuint size, void* value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        int status = clSetKernelArg(Handle, (uint)index, size, value);
        if (status != CL_SUCCESS)
            throw new OpenClException(nameof(clSetKernelArg), status, $"{Name} argument {index}");
        return this;
    }
}
