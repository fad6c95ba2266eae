using System.IO.Compression;

namespace VaeGpu.Tests.Data;

/// <summary>Gzip files whole and damaged in the ways a download or a copy damages them, made with .NET's own encoder.</summary>
public static class GzipBytes
{
    /// <summary>The least a gzip member holds: the 10-byte header and the 8-byte trailer (CRC-32, length).</summary>
    public const int Header = 10, Trailer = 8;

    public static byte[] Complete(ReadOnlySpan<byte> raw) => Compress(raw, CompressionLevel.Fastest);

    /// <summary>Stored deflate blocks: the text stays readable in the file, so a test can damage one character.</summary>
    public static byte[] Stored(ReadOnlySpan<byte> raw) => Compress(raw, CompressionLevel.NoCompression);

    private static byte[] Compress(ReadOnlySpan<byte> raw, CompressionLevel level)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level, leaveOpen: true))
        {
            gzip.Write(raw);
        }
        return output.ToArray();
    }

    /// <summary>
    /// The reproduction: everything compressed and sync-flushed (Z_SYNC_FLUSH, so all of it
    /// decodes), but the stream never finished: no final block, no trailer.
    /// </summary>
    public static byte[] SyncFlushedWithoutEnd(ReadOnlySpan<byte> raw)
    {
        using var output = new MemoryStream();
        var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
        gzip.Write(raw);
        gzip.Flush();
        byte[] cut = output.ToArray();
        gzip.Dispose();
        return cut;
    }

    /// <summary>The first <paramref name="length"/> bytes.</summary>
    public static byte[] Cut(byte[] gz, int length) => gz.AsSpan(0, length).ToArray();

    /// <summary>One bit of the stored CRC-32 flipped: every byte decodes, the check fails.</summary>
    public static byte[] WrongCrc(byte[] gz, int bit)
    {
        byte[] copy = gz.ToArray();
        copy[copy.Length - Trailer + bit / 8] ^= (byte)(1 << (bit % 8));
        return copy;
    }

    /// <summary>Each part its own gzip member, one after the other, as `cat a.gz b.gz` makes.</summary>
    public static byte[] Members(params byte[][] parts) => parts.SelectMany(p => Complete(p)).ToArray();
}
