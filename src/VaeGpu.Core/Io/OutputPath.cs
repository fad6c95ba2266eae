
namespace VaeGpu.Io;

/// <summary>
/// Checks, before any work starts, that a file can be written where the user asked: a mistake in
/// --out must cost a second, not the minutes of evaluation it used to be found after.
/// </summary>
public static class OutputPath
{
    /// <summary>Ensures <paramref name="path"/>'s directory exists (creating it) and takes a new file; returns the full path.</summary>
    public static string EnsureWritableFile(string path, string key)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new ConfigException(key, path, "is a directory; name a file");
        EnsureWritableDirectory(Path.GetDirectoryName(full)!, key, path);
        return full;
    }

    /// <summary>Creates <paramref name="directory"/> if needed and proves a file can be created in it.</summary>
    public static void EnsureWritableDirectory(string directory, string key, string? shownValue = null)
    {
        string shown = shownValue ?? directory;
        if (File.Exists(directory))
            throw new ConfigException(key, shown, $"{directory} is a file, not a directory");
        string probe = Path.Combine(directory, $".vaegpu-write-check.{Environment.ProcessId}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            using (new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (IoFailure.IsIo(e))
        {
            throw new ConfigException(key, shown, $"cannot write in {directory}: {IoFailure.Reason(e)}");
        }
    }
}
