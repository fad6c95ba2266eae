using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace VaeGpu.Tests.Io;

/// <summary>
/// Decodes the PNG subset the writer produces (8-bit grayscale or RGB, filter None), checking every rule on the
/// way; written from the PNG specification, sharing no code with the encoder (its CRC is bit by bit).
/// </summary>
public static class PngReader
{
    /// <summary>Pixels: Width × Height × Channels bytes, row-major, channels interleaved.</summary>
    public sealed record Decoded(int Width, int Height, byte[] Pixels, IReadOnlyList<string> ChunkTypes, int Channels);

    public static Decoded Decode(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png.AsSpan(0, 8).ToArray());

        var types = new List<string>();
        var idat = new MemoryStream();
        int width = 0, height = 0, channels = 0;
        int offset = 8;
        while (offset < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            string type = Encoding.ASCII.GetString(png, offset + 4, 4);
            ReadOnlySpan<byte> data = png.AsSpan(offset + 8, length);
            uint storedCrc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length));
            Assert.Equal(BitwiseCrc32(png.AsSpan(offset + 4, 4 + length)), storedCrc);
            types.Add(type);

            if (type == "IHDR")
            {
                Assert.Equal(13, length);
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal(8, data[8]);  // bit depth
                Assert.Contains(data[9], new byte[] { 0, 2 }); // colour type: grayscale or RGB
                channels = data[9] == 0 ? 1 : 3;
                Assert.Equal(0, data[10]); // compression: deflate
                Assert.Equal(0, data[11]); // filter method 0
                Assert.Equal(0, data[12]); // no interlace
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }
            offset += 12 + length;
        }
        Assert.Equal(png.Length, offset);
        Assert.Equal("IHDR", types[0]);
        Assert.Equal("IEND", types[^1]);

        byte[] scanlines = Inflate(idat.ToArray());
        int rowBytes = width * channels;
        Assert.Equal(height * (rowBytes + 1), scanlines.Length);
        var pixels = new byte[rowBytes * height];
        for (int row = 0; row < height; row++)
        {
            Assert.Equal(0, scanlines[row * (rowBytes + 1)]); // filter type None
            scanlines.AsSpan(row * (rowBytes + 1) + 1, rowBytes).CopyTo(pixels.AsSpan(row * rowBytes));
        }
        return new Decoded(width, height, pixels, types, channels);
    }

    public static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
            }
        }
        return ~crc;
    }

    private static byte[] Inflate(byte[] zlib)
    {
        using var input = new ZLibStream(new MemoryStream(zlib), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
