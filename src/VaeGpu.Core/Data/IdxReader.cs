using System.Buffers.Binary;

namespace VaeGpu.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format): images (magic 0x00000803: unsigned bytes,
/// dimensions count × rows × cols) and labels (magic 0x00000801: unsigned bytes, one dimension), all
/// header integers big-endian. Gzip is recognised by its magic bytes 1F 8B rather than the file name,
/// and a truncated or corrupt gzip file is refused (<see cref="GzipFile"/>).
/// Every defect of the input is reported as a one-line <see cref="UserInputException"/> naming the file.
/// </summary>
public static class IdxReader
{
    private static readonly IdxLayout ImageLayout = new(0x00000803, ["count", "rows", "columns"], "an IDX image file");
    private static readonly IdxLayout LabelLayout = new(0x00000801, ["count"], "an IDX label file");

    public static ImageSet ReadImages(string path)
    {
        string fullPath = Path.GetFullPath(path);
        using Stream stream = DataFiles.OpenRead(fullPath);
        return ReadImages(stream, fullPath);
    }

    /// <param name="displayName">Names the data in error messages, e.g. an embedded resource's name.</param>
    public static ImageSet ReadImages(Stream stream, string displayName)
    {
        (int[] dims, byte[] data) = Read(stream, displayName, ImageLayout);
        return new ImageSet(data, dims[0], dims[1], dims[2], labels: null, source: displayName);
    }

    public static byte[] ReadLabels(string path)
    {
        string fullPath = Path.GetFullPath(path);
        using Stream stream = DataFiles.OpenRead(fullPath);
        return ReadLabels(stream, fullPath);
    }

    /// <param name="displayName">Names the data in error messages, e.g. an embedded resource's name.</param>
    public static byte[] ReadLabels(Stream stream, string displayName) =>
        Read(stream, displayName, LabelLayout).Data;

    private static (int[] Dims, byte[] Data) Read(Stream stream, string name, IdxLayout layout)
    {
        ArgumentNullException.ThrowIfNull(stream);
        // Peeking at the first bytes and reading a gzip trailer need a stream that can go back; a
        // resource or file stream can, anything else is copied first.
        Stream seekable = stream.CanSeek ? stream : CopyToMemory(stream);
        bool gzipped = DataFiles.IsGzip(seekable);
        if (!gzipped && name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) && seekable.Length > seekable.Position)
        {
            throw new UserInputException($"{name}: not a gzip file (the name ends in .gz but the bytes do not start with 1F 8B)");
        }

        using Stream content = gzipped ? new GzipFile(seekable, name, leaveOpen: true) : new NonClosing(seekable);
        return GzipFile.BlameDamage(content, () => ReadContent(content, gzipped ? $"{name} (after gzip decompression)" : name, name, layout));
    }

    private static (int[] Dims, byte[] Data) ReadContent(Stream content, string described, string name, IdxLayout layout)
    {
        Span<byte> magicBytes = stackalloc byte[4];
        int magicRead = content.ReadAtLeast(magicBytes, 4, throwOnEndOfStream: false);
        if (magicRead == 0)
        {
            throw new UserInputException($"{described}: empty file, expected {layout.Description}");
        }
        if (magicRead < 4)
        {
            throw new UserInputException($"{described}: truncated: {magicRead} bytes, too short for the 4-byte IDX magic number");
        }
        layout.CheckMagic(BinaryPrimitives.ReadUInt32BigEndian(magicBytes), name);

        int[] dims = ReadDimensions(content, described, name, layout);
        long expected = dims.Aggregate(1L, (product, d) => product * d);
        if (expected > Array.MaxLength)
        {
            throw new UserInputException($"{name}: header says {layout.Describe(dims)} ({expected} bytes), more than this program can hold in memory");
        }

        var data = new byte[expected];
        int got = content.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (got < expected)
        {
            throw new UserInputException(
                $"{described}: truncated: header says {layout.Describe(dims)} ({expected} bytes) but the file holds only {got} after the {4 + 4 * dims.Length}-byte header");
        }

        long extra = CountRemainingBytes(content);
        if (extra > 0)
        {
            throw new UserInputException(
                $"{described}: {extra} bytes after the data (header says {layout.Describe(dims)}, {expected} bytes); not a clean IDX file");
        }
        return (dims, data);
    }

    private static int[] ReadDimensions(Stream content, string described, string name, IdxLayout layout)
    {
        int count = layout.DimensionNames.Length;
        var header = new byte[4 * count];
        int got = content.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (got < header.Length)
        {
            throw new UserInputException($"{described}: truncated header: {count} dimension sizes need {header.Length} bytes, the file holds {got}");
        }

        var dims = new int[count];
        for (int i = 0; i < count; i++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4 * i));
            if (size == 0)
            {
                throw new UserInputException($"{name}: dimension {i} ({layout.DimensionNames[i]}) is 0; every dimension must be at least 1");
            }
            if (size > int.MaxValue)
            {
                throw new UserInputException($"{name}: dimension {i} ({layout.DimensionNames[i]}) is {size}, too large to be real");
            }
            dims[i] = (int)size;
        }
        return dims;
    }

    private static long CountRemainingBytes(Stream stream)
    {
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            total += read;
        }
        return total;
    }

    private static MemoryStream CopyToMemory(Stream stream)
    {
        var memory = new MemoryStream();
        stream.CopyTo(memory);
        memory.Position = 0;
        return memory;
    }

    /// <summary>Lets the reading code dispose its stream uniformly without closing the caller's.</summary>
    private sealed class NonClosing(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
