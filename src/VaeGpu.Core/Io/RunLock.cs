
namespace VaeGpu.Io;

/// <summary>
/// An exclusive OS file lock on a run directory, held while a verb trains in it or reads it, so that two
/// processes never mix their files in one run. It is flock(2) on ".lock" (what .NET takes for
/// FileShare.None on Unix; a byte-range lock on Windows): the kernel drops it when the holder's file
/// descriptor closes, which includes exit and kill -9, so a crashed run never leaves the directory locked.
/// The holder's PID sits in ".lock.pid" beside it, for the message the second process prints: the lock
/// file itself cannot be read while it is locked.
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string LockFileName = ".lock";
    public const string OwnerFileName = ".lock.pid";

    private readonly FileStream _lock;

    private RunLock(FileStream fileLock, string directory)
    {
        _lock = fileLock;
        Directory = directory;
    }

    public string Directory { get; }

    /// <summary>Takes the lock or throws a one-line error naming the holder's PID; creates the directory if needed.</summary>
    public static RunLock Acquire(string directory, string key)
    {
        string full = Path.GetFullPath(directory);
        OutputPath.EnsureWritableDirectory(full, key, directory);
        string lockPath = Path.Combine(full, LockFileName), ownerPath = Path.Combine(full, OwnerFileName);
        FileStream fileLock;
        try
        {
            fileLock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException && IsSharingViolation(e))
        {
            string holder = ReadOwner(ownerPath) is { } pid ? $"process {pid}" : "another process";
            throw new UserInputException(
                $"{full}: in use by {holder} (a train or analysis verb is running in this run directory); wait for it to finish or stop it");
        }
        catch (Exception e) when (IoFailure.IsIo(e))
        {
            throw new ConfigException(key, directory, $"cannot lock {lockPath}: {IoFailure.Reason(e)}");
        }
        try
        {
            File.WriteAllText(ownerPath, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (IoFailure.IsIo(e))
        {
            fileLock.Dispose();
            throw new ConfigException(key, directory, $"cannot write {ownerPath}: {IoFailure.Reason(e)}");
        }
        return new RunLock(fileLock, full);
    }

    // .NET reports a lock held elsewhere as a plain IOException (EWOULDBLOCK from flock); any errno the
    // file system gives for a real failure (no space, read-only) is reported as that instead.
    private static bool IsSharingViolation(IOException e)
    {
        int errno = e.HResult & 0xFFFF;
        return errno is 11 /* EAGAIN/EWOULDBLOCK */ or 32 /* Windows ERROR_SHARING_VIOLATION */ or 33 /* ERROR_LOCK_VIOLATION */
            || e.Message.Contains("being used by another process", StringComparison.OrdinalIgnoreCase);
    }

    private static int? ReadOwner(string ownerPath)
    {
        try
        {
            // The file outlives its writer, and a non-VaeGpu locker does not write it: name a PID only if it runs.
            return int.TryParse(File.ReadAllText(ownerPath).Trim(), out int pid) && IsRunning(pid) ? pid : null;
        }
        catch (Exception e) when (IoFailure.IsIo(e))
        {
            return null;
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Releases the lock. ".lock" and ".lock.pid" stay: deleting them would race with a process taking the lock.</summary>
    public void Dispose() => _lock.Dispose();
}
