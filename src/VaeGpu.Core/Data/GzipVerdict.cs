using ICSharpCode.SharpZipLib;
using ICSharpCode.SharpZipLib.GZip;

namespace VaeGpu.Data;

/// <summary>
/// Decides whether a gzip file is whole, with SharpZipLib's decoder: unlike .NET's GZipStream, which
/// ends silently where a stream is cut (a sync flush without its end, a cut mid-deflate, a missing or
/// half trailer), it reports every such cut, checks each member's CRC-32 and length, and reads
/// concatenated members. It is several times slower, so <see cref="GzipFile"/> asks it only when the
/// fast decoder's output does not match the file's last trailer.
/// </summary>
internal static class GzipVerdict
{
    /// <summary>
    /// Decompresses <paramref name="compressed"/> from <paramref name="start"/> to its end and returns the
    /// CRC-32 and length of the whole output, or throws a one-line <see cref="UserInputException"/>
    /// saying that <paramref name="name"/> is truncated or corrupt.
    /// </summary>
    public static (uint Crc, long Length) Check(Stream compressed, long start, string name)
    {
        compressed.Position = start;
        var crc = new System.IO.Hashing.Crc32();
        long length = 0;
        var buffer = new byte[1 << 16];
        try
        {
            using var gzip = new GZipInputStream(compressed) { IsStreamOwner = false };
            int read;
            while ((read = gzip.Read(buffer, 0, buffer.Length)) > 0)
            {
                crc.Append(buffer.AsSpan(0, read));
                length += read;
            }
        }
        catch (Exception e) when (e is SharpZipBaseException or EndOfStreamException)
        {
            throw Damaged(name, e.Message);
        }
        return (crc.GetCurrentHashAsUInt32(), length);
    }

    /// <summary>
    /// "truncated" when the decoder ran out of input (its messages say EOF or EOS: "Unexpected EOF",
    /// "EOS reading GZIP footer"), otherwise "corrupt" (a bad CRC, a bad block, a bad header).
    /// </summary>
    public static UserInputException Damaged(string name, string detail)
    {
        string oneLine = detail.ReplaceLineEndings(" ").Trim();
        bool cut = oneLine.Contains("EOF", StringComparison.OrdinalIgnoreCase) || oneLine.Contains("EOS", StringComparison.Ordinal);
        return cut
            ? new UserInputException($"{name}: truncated gzip file: the compressed data ends before the gzip stream does ({oneLine}); the file was cut short, download or copy it again")
            : new UserInputException($"{name}: corrupt gzip file: the compressed data is damaged ({oneLine}); download or copy it again");
    }
}
