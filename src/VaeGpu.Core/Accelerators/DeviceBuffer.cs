namespace VaeGpu.Accelerators;

/// <summary>
/// A typed allocation owned by one accelerator. Disposing it frees the device memory; the owning
/// accelerator checks on every op that a buffer is its own, so a CPU buffer can never reach a GPU op.
/// </summary>
public abstract class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    protected DeviceBuffer(IAccelerator owner, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Owner = owner;
        Length = length;
    }

    public IAccelerator Owner { get; }
    public int Length { get; }
    public bool IsDisposed { get; private set; }

    public DeviceSpan<T> Slice(int offset, int length) => new DeviceSpan<T>(this, offset, length);

    public DeviceSpan<T> All => new(this, 0, Length);

    public static implicit operator DeviceSpan<T>(DeviceBuffer<T> buffer) => buffer.All;

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Release();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the device memory; called once.</summary>
    protected abstract void Release();
}

/// <summary>
/// A window [Offset, Offset + Length) of a device buffer: how ops address one layer's weights inside
/// the flat parameter buffer. <c>default</c> means "no buffer" for optional op outputs.
/// </summary>
public readonly struct DeviceSpan<T> where T : unmanaged
{
    public DeviceSpan(DeviceBuffer<T> buffer, int offset, int length)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (offset < 0 || length < 0 || (long)offset + length > buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(offset),
                $"span [{offset}, {(long)offset + length}) is outside a buffer of {buffer.Length} elements");
        Buffer = buffer;
        Offset = offset;
        Length = length;
    }

    public DeviceBuffer<T>? Buffer { get; }
    public int Offset { get; }
    public int Length { get; }

    /// <summary>True for <c>default</c>: an optional output that the caller does not want.</summary>
    public bool IsNone => Buffer is null;

    public DeviceSpan<T> Slice(int offset, int length)
    {
        if (Buffer is null) throw new InvalidOperationException("cannot slice an empty device span");
        if (offset < 0 || length < 0 || (long)offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(offset),
                $"slice [{offset}, {(long)offset + length}) is outside a span of {Length} elements");
        return new DeviceSpan<T>(Buffer, Offset + offset, length);
    }

    public DeviceSpan<T> Slice(int offset) => Slice(offset, Length - offset);

    public override string ToString() => IsNone ? "none" : $"[{Offset}, {Offset + Length}) of {Buffer!.Length}";
}
