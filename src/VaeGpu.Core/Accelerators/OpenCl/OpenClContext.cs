using System.Runtime.CompilerServices;
using System.Text;
using static VaeGpu.Accelerators.OpenCl.OpenClNative;

namespace VaeGpu.Accelerators.OpenCl;

/// <summary>
/// A context and one in-order command queue on one device: buffers, blocking transfers at element
/// offsets, fills, program builds. Every failing call throws: <see cref="OpenClOutOfMemoryException"/>
/// for the out-of-memory statuses (on allocation, and on the first write or launch for drivers that
/// allocate lazily), <see cref="OpenClBuildException"/> for a failed build, else
/// <see cref="OpenClException"/> naming the call. Not thread-safe: one accelerator issues from one thread.
/// </summary>
internal sealed unsafe class OpenClContext : IDisposable
{
    private nint _context;
    private nint _queue;

    public OpenClContext(OpenClDeviceInfo device)
    {
        ArgumentNullException.ThrowIfNull(device);
        Device = device;
        DeviceLabel = $"{device.DeviceName} ({device.PlatformName})";
        nint deviceId = device.DeviceId;
        nint* properties = stackalloc nint[] { 0x1084 /* CL_CONTEXT_PLATFORM */, device.PlatformId, 0 };
        int status;
        _context = clCreateContext(properties, 1, &deviceId, 0, null, &status);
        Check(status, nameof(clCreateContext));
        try
        {
            _queue = clCreateCommandQueue(_context, deviceId, 0, &status); // in order, no profiling
            Check(status, nameof(clCreateCommandQueue));
            MaxAllocationBytes = OpenClDevices.DeviceValue<ulong>(deviceId, CL_DEVICE_MAX_MEM_ALLOC_SIZE);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public OpenClDeviceInfo Device { get; }

    /// <summary>"pthread-skylake-avx512 (Portable Computing Language)", for messages.</summary>
    public string DeviceLabel { get; }

    /// <summary>CL_DEVICE_MAX_MEM_ALLOC_SIZE: the largest single buffer.</summary>
    public ulong MaxAllocationBytes { get; }

    public nint Handle => Live(_context);

    public nint Queue => Live(_queue);

    public bool IsDisposed => _context == 0;

    /// <summary>A read-write buffer of <paramref name="length"/> elements, owned by <paramref name="owner"/>.</summary>
    public OpenClBuffer<T> Allocate<T>(IAccelerator owner, int length) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0)
            return new OpenClBuffer<T>(owner, this, 0, 0);
        long bytes = (long)length * sizeof(T);
        if ((ulong)bytes > MaxAllocationBytes)
            throw new OpenClOutOfMemoryException(
                $"OpenCL device out of memory allocating {bytes / (1024 * 1024)} MiB on {DeviceLabel}: its largest buffer is " +
                $"{MaxAllocationBytes / (1024 * 1024)} MiB; use a smaller --batch-size or model", nameof(clCreateBuffer),
                OpenClStatus.MemObjectAllocationFailure);
        int status;
        nint handle = clCreateBuffer(Handle, CL_MEM_READ_WRITE, (nuint)bytes, null, &status);
        if (OpenClStatus.IsOutOfMemory(status))
            throw OpenClOutOfMemoryException.Allocating(bytes, DeviceLabel, nameof(clCreateBuffer), status);
        Check(status, nameof(clCreateBuffer));
        return new OpenClBuffer<T>(owner, this, handle, length);
    }

    /// <summary>Copies <paramref name="source"/> to elements [offset, offset + source.Length); returns when done.</summary>
    public void Write<T>(OpenClBuffer<T> buffer, int offset, ReadOnlySpan<T> source) where T : unmanaged
    {
        Range(buffer, offset, source.Length);
        if (source.IsEmpty)
            return;
        fixed (T* pointer = source)
            Check(clEnqueueWriteBuffer(Queue, buffer.Handle, CL_TRUE, Bytes<T>(offset), Bytes<T>(source.Length), pointer, 0, null, null),
                nameof(clEnqueueWriteBuffer));
    }

    /// <summary>Reads elements [offset, offset + destination.Length) after every op queued before; returns when done.</summary>
    public void Read<T>(OpenClBuffer<T> buffer, int offset, Span<T> destination) where T : unmanaged
    {
        Range(buffer, offset, destination.Length);
        if (destination.IsEmpty)
            return;
        fixed (T* pointer = destination)
            Check(clEnqueueReadBuffer(Queue, buffer.Handle, CL_TRUE, Bytes<T>(offset), Bytes<T>(destination.Length), pointer, 0, null, null),
                nameof(clEnqueueReadBuffer));
    }

    /// <summary>Queues elements [offset, offset + length) = <paramref name="value"/> (T of 1, 2, 4, 8, ... 128 bytes).</summary>
    public void Fill<T>(OpenClBuffer<T> buffer, int offset, int length, T value) where T : unmanaged
    {
        Range(buffer, offset, length);
        if (length == 0)
            return;
        Check(clEnqueueFillBuffer(Queue, buffer.Handle, &value, (nuint)sizeof(T), Bytes<T>(offset), Bytes<T>(length), 0, null, null),
            nameof(clEnqueueFillBuffer));
    }

    /// <summary>Queues a device-to-device copy of <paramref name="length"/> elements (ranges must not overlap in one buffer).</summary>
    public void Copy<T>(OpenClBuffer<T> source, int sourceOffset, OpenClBuffer<T> destination, int destinationOffset, int length)
        where T : unmanaged
    {
        Range(source, sourceOffset, length);
        Range(destination, destinationOffset, length);
        if (length == 0)
            return;
        Check(clEnqueueCopyBuffer(Queue, source.Handle, destination.Handle, Bytes<T>(sourceOffset), Bytes<T>(destinationOffset),
            Bytes<T>(length), 0, null, null), nameof(clEnqueueCopyBuffer));
    }

    /// <summary>Waits for everything queued so far.</summary>
    public void Finish() => Check(clFinish(Queue), nameof(clFinish));

    /// <summary>Submits everything queued so far without waiting.</summary>
    public void Flush() => Check(clFlush(Queue), nameof(clFlush));

    /// <summary>
    /// clCreateProgramWithSource + clBuildProgram for this device. A failed build throws
    /// <see cref="OpenClBuildException"/> (one line, the whole log kept).
    /// </summary>
    public OpenClProgram Build(string source, string options)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= "";
        byte[] sourceBytes = Encoding.UTF8.GetBytes(source);
        byte[] optionBytes = Encoding.UTF8.GetBytes(options + "\0");
        int status;
        nint program;
        fixed (byte* sourcePointer = sourceBytes)
        {
            byte* strings = sourcePointer;
            nuint length = (nuint)sourceBytes.Length;
            program = clCreateProgramWithSource(Handle, 1, &strings, &length, &status);
        }
        Check(status, nameof(clCreateProgramWithSource));
        try
        {
            nint deviceId = Device.DeviceId;
            fixed (byte* optionPointer = optionBytes)
                status = clBuildProgram(program, 1, &deviceId, optionPointer, 0, null);
            string log = BuildLog(program);
            if (status is OpenClStatus.BuildProgramFailure or OpenClStatus.InvalidBuildOptions)
                throw new OpenClBuildException(DeviceLabel, status, options, log);
            Check(status, nameof(clBuildProgram));
            return new OpenClProgram(this, program, log);
        }
        catch
        {
            clReleaseProgram(program);
            throw;
        }
    }

    /// <summary>Throws for a non-zero status: out-of-memory statuses as a one-line user error, the rest as <see cref="OpenClException"/>.</summary>
    public void Check(int status, string call, string? detail = null)
    {
        if (status == CL_SUCCESS)
            return;
        if (OpenClStatus.IsOutOfMemory(status))
            throw OpenClOutOfMemoryException.InUse(DeviceLabel, detail is null ? call : $"{call} {detail}", status);
        throw new OpenClException(call, status, detail);
    }

    public void Dispose()
    {
        nint queue = _queue, context = _context;
        _queue = 0;
        _context = 0;
        if (queue != 0)
        {
            clFinish(queue); // nothing may still run against memory that its owners free next
            clReleaseCommandQueue(queue);
        }
        if (context != 0)
            clReleaseContext(context);
    }

    private string BuildLog(nint program)
    {
        nuint size;
        if (clGetProgramBuildInfo(program, Device.DeviceId, CL_PROGRAM_BUILD_LOG, 0, null, &size) != CL_SUCCESS || size == 0)
            return "";
        byte[] bytes = new byte[(int)size];
        fixed (byte* pointer = bytes)
        {
            if (clGetProgramBuildInfo(program, Device.DeviceId, CL_PROGRAM_BUILD_LOG, size, pointer, null) != CL_SUCCESS)
                return "";
        }
        return OpenClDevices.Text(bytes);
    }

    private void Range<T>(OpenClBuffer<T> buffer, int offset, int length) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (!ReferenceEquals(buffer.Context, this))
            throw new ArgumentException("the buffer belongs to another OpenCL context", nameof(buffer));
        ObjectDisposedException.ThrowIf(buffer.IsDisposed, buffer);
        if (offset < 0 || length < 0 || (long)offset + length > buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(offset),
                $"[{offset}, {(long)offset + length}) is outside a buffer of {buffer.Length} elements");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Bytes<T>(int elements) where T : unmanaged => (nuint)elements * (nuint)sizeof(T);

    private nint Live(nint handle)
    {
        ObjectDisposedException.ThrowIf(handle == 0, this);
        return handle;
    }
}
