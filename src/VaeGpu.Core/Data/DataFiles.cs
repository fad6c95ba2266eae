
namespace VaeGpu.Data;

/// <summary>Opening input files with one-line errors that name the file.</summary>
internal static class DataFiles
{
    public static FileStream OpenRead(string file)
    {
        try
        {
            return new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UserInputException($"{file}: file not found");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new UserInputException($"{file}: cannot be read: {e.Message.ReplaceLineEndings(" ").Trim()}");
        }
    }

    /// <summary>Whether the stream starts with gzip's magic bytes 1F 8B; the position is left unchanged.</summary>
    public static bool IsGzip(Stream stream)
    {
        long start = stream.Position;
        Span<byte> first = stackalloc byte[2];
        int read = stream.ReadAtLeast(first, 2, throwOnEndOfStream: false);
        stream.Position = start;
        return read == 2 && first[0] == 0x1F && first[1] == 0x8B;
    }
}
