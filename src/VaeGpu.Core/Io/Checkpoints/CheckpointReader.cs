using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace VaeGpu.Io.Checkpoints;

/// <summary>
/// Little-endian reads over a checkpoint's bytes that turn running out of bytes into a one-line
/// "truncated" error naming the file, instead of an exception the user cannot act on.
/// </summary>
internal ref struct CheckpointReader(ReadOnlySpan<byte> bytes, string path)
{
    private readonly ReadOnlySpan<byte> _bytes = bytes;

    public int Position { get; private set; }

    public int Remaining => _bytes.Length - Position;

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count > Remaining)
            throw new UserInputException(
                $"{path}: truncated: {count} bytes needed at offset {Position}, but the file ends at {_bytes.Length}");
        ReadOnlySpan<byte> slice = _bytes.Slice(Position, count);
        Position += count;
        return slice;
    }

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(sizeof(uint)));

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(sizeof(int)));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(sizeof(ulong)));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(ReadBytes(sizeof(long)));

    public float ReadSingle() => BinaryPrimitives.ReadSingleLittleEndian(ReadBytes(sizeof(float)));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(ReadBytes(sizeof(double)));

    /// <summary>A length written before an array or a string.</summary>
    public int ReadLength()
    {
        int offset = Position;
        int length = ReadInt32();
        if (length < 0)
            throw new UserInputException($"{path}: corrupt: negative length {length} at offset {offset}");
        return length;
    }

    public int[] ReadInt32s(int count)
    {
        ReadOnlySpan<byte> raw = ReadArrayBytes(count, sizeof(int));
        var values = new int[count];
        for (int i = 0; i < count; i++)
            values[i] = BinaryPrimitives.ReadInt32LittleEndian(raw.Slice(i * sizeof(int)));
        return values;
    }

    public float[] ReadSingles(int count)
    {
        ReadOnlySpan<byte> raw = ReadArrayBytes(count, sizeof(float));
        var values = new float[count];
        if (BitConverter.IsLittleEndian)
        {
            raw.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            for (int i = 0; i < count; i++)
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * sizeof(float)));
        }

        return values;
    }

    // Checked before the caller allocates, so a corrupt count cannot ask for gigabytes.
    private ReadOnlySpan<byte> ReadArrayBytes(int count, int elementSize)
    {
        long needed = (long)count * elementSize;
        if (needed > Remaining)
            throw new UserInputException(
                $"{path}: truncated: {count} values of {elementSize} bytes needed at offset {Position}, " +
                $"but the file ends at {_bytes.Length}");
        return ReadBytes((int)needed);
    }
}
