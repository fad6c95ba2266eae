namespace VaeGpu.Io;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one, never half of it:
/// the bytes go to a temporary file in the same directory, which is then renamed over the target
/// (rename within one file system is atomic on POSIX). A failure of the file system (no space,
/// permission, a file where a directory should be) is a one-line user error naming the path, and the
/// temporary file is removed, so a failed write leaves neither a half-written file nor litter.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)!;
        string temporary = TemporaryName(fullPath, Environment.ProcessId);
        try
        {
            Directory.CreateDirectory(directory);
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(temporary);
            if (IoFailure.IsIo(e)) throw IoFailure.Writing(fullPath, e);
            throw;
        }
    }

    /// <summary>".NAME.PID.tmp" beside the target: the PID says whose it is, so a later run can remove a dead writer's leftovers.</summary>
    public static string TemporaryName(string fullPath, int processId) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{processId}.tmp");

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (IoFailure.IsIo(e))
        {
            // Nothing was created (the directory is missing or unwritable): nothing to clean up.
        }
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });
}
