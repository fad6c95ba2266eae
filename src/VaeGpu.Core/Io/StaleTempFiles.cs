using System.Diagnostics;
using System.Text.RegularExpressions;

namespace VaeGpu.Io;

/// <summary>
/// Removes the ".NAME.PID.tmp" files that <see cref="AtomicFile"/> leaves behind when its writer is
/// killed mid-write (kill -9, power loss): a checkpoint's is megabytes, and nothing else would ever
/// delete it. Only files of processes no longer running are removed; a live writer's are its own.
/// Called with the run's lock held: by train exclusively, so no other VaeGpu process writes there; by
/// an analysis verb shared, where other readers may be writing, but their files carry live PIDs.
/// </summary>
public static partial class StaleTempFiles
{
    [GeneratedRegex(@"^\..+\.(\d+)\.tmp$")]
    private static partial Regex TemporaryName();

    /// <returns>The names of the files removed.</returns>
    public static IReadOnlyList<string> Remove(string directory)
    {
        var removed = new List<string>();
        if (!Directory.Exists(directory)) return removed;
        foreach (string path in Directory.EnumerateFiles(directory, ".*.tmp"))
        {
            string name = Path.GetFileName(path);
            Match match = TemporaryName().Match(name);
            if (!match.Success || !int.TryParse(match.Groups[1].Value, out int pid)) continue;
            if (pid == Environment.ProcessId || IsRunning(pid)) continue;
            try
            {
                File.Delete(path);
                removed.Add(name);
            }
            catch (Exception e) when (IoFailure.IsIo(e))
            {
                // Left for the next run; a leftover is untidy, not harmful.
            }
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
