using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace VaeGpu.Io;

/// <summary>
/// Writes 8-bit PNG files, grayscale (colour type 0) or RGB (colour type 2), no interlacing, filter "None" on every row.
/// Hand-written although SkiaSharp (which decodes image folders) can encode PNG: this encoder's bytes are fixed by
/// its code alone (filter None, .NET's zlib), not by a native library's version, so grids written on different
/// machines compare byte for byte, and the run's outputs need no native asset. PNG needs only chunk framing, zlib
/// (ZLibStream) and CRC-32.
/// </summary>
public static class PngWriter
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private const byte BitDepth = 8;
    private const byte ColorTypeGrayscale = 0;
    private const byte ColorTypeRgb = 2;
    private const byte FilterNone = 0;

    /// <param name="pixels">width × height bytes, row-major, 0 = black, 255 = white.</param>
    public static void WriteGrayscale(string path, ReadOnlySpan<byte> pixels, int width, int height) => Write(path, pixels, width, height, 1);

    public static byte[] EncodeGrayscale(ReadOnlySpan<byte> pixels, int width, int height) => Encode(pixels, width, height, 1);

    /// <param name="pixels">width × height × channels bytes, row-major, channels interleaved (R, G, B for 3).</param>
    /// <param name="channels">1 (grayscale) or 3 (RGB).</param>
    public static void Write(string path, ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        byte[] png = Encode(pixels, width, height, channels);
        AtomicFile.WriteAllBytes(path, png);
    }

    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "PNG grids are grayscale (1) or RGB (3)");
        if ((long)width * height * channels != pixels.Length)
        {
            throw new ArgumentException($"a {width}×{height}×{channels} image needs {(long)width * height * channels} bytes, got {pixels.Length}", nameof(pixels));
        }

        using var png = new MemoryStream();
        png.Write(Signature);
        WriteChunk(png, "IHDR", Header(width, height, channels == 1 ? ColorTypeGrayscale : ColorTypeRgb));
        WriteChunk(png, "IDAT", CompressScanlines(pixels, width * channels, height));
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static byte[] Header(int width, int height, byte colorType)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(0), width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = BitDepth;
        header[9] = colorType;
        // Bytes 10-12 stay 0: deflate compression, adaptive filtering method 0, no interlace.
        return header;
    }

    private static byte[] CompressScanlines(ReadOnlySpan<byte> pixels, int rowBytes, int height)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int row = 0; row < height; row++)
            {
                // Every scanline starts with its filter type; "None" keeps the encoder trivial and the
                // images here (small grids) gain little from the other filters.
                zlib.WriteByte(FilterNone);
                zlib.Write(pixels.Slice(row * rowBytes, rowBytes));
            }
        }
        return compressed.ToArray();
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);

        byte[] typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);

        var crc32 = new System.IO.Hashing.Crc32(); // the CRC-32 PNG puts after every chunk, over type and data
        crc32.Append(typeBytes);
        crc32.Append(data);
        uint crc = crc32.GetCurrentHashAsUInt32();
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }
}
