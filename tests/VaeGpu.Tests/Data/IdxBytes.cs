using System.Buffers.Binary;

namespace VaeGpu.Tests.Data;

/// <summary>Builds IDX files byte by byte, independently of the reader under test.</summary>
public static class IdxBytes
{
    public static byte[] Idx(uint magic, int[] dims, ReadOnlySpan<byte> data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        for (int i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        }
        data.CopyTo(bytes.AsSpan(4 + 4 * dims.Length));
        return bytes;
    }

    public static byte[] Images(byte[] pixels, int count, int rows, int cols) => Idx(0x00000803, [count, rows, cols], pixels);

    public static byte[] Labels(byte[] labels) => Idx(0x00000801, [labels.Length], labels);

    public static byte[] Gzip(byte[] raw) => GzipBytes.Complete(raw);

    public static byte[] RandomBytes(int seed, int length, int maxExclusive = 256)
    {
        var random = new System.Random(seed);
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)random.Next(maxExclusive);
        }
        return bytes;
    }

    /// <summary>Writes a complete data directory: images (and labels when wanted) for train and test.</summary>
    public static void WriteDataDirectory(string directory, int trainCount, int testCount, int rows = 4, int cols = 3,
        bool gzip = true, bool labels = true, int seed = 1)
    {
        Directory.CreateDirectory(directory);
        string suffix = gzip ? ".gz" : "";
        Write(Path.Combine(directory, "train-images-idx3-ubyte" + suffix),
            Images(RandomBytes(seed, trainCount * rows * cols), trainCount, rows, cols), gzip);
        Write(Path.Combine(directory, "t10k-images-idx3-ubyte" + suffix),
            Images(RandomBytes(seed + 1, testCount * rows * cols), testCount, rows, cols), gzip);
        if (labels)
        {
            Write(Path.Combine(directory, "train-labels-idx1-ubyte" + suffix), Labels(RandomBytes(seed + 2, trainCount, 10)), gzip);
            Write(Path.Combine(directory, "t10k-labels-idx1-ubyte" + suffix), Labels(RandomBytes(seed + 3, testCount, 10)), gzip);
        }
    }

    private static void Write(string path, byte[] raw, bool gzip) => File.WriteAllBytes(path, gzip ? Gzip(raw) : raw);
}
