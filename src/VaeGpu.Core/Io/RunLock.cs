
namespace VaeGpu.Io;

/// <summary>
/// An OS file lock on a run directory, so that two processes never mix their files in one run: train
/// holds it exclusively (<see cref="Acquire"/>), the analysis verbs shared (<see cref="AcquireShared"/>),
/// so any number of readers work side by side, train is refused while one reads, and a reader is
/// refused while train writes. Nobody waits: a lock that is taken is a one-line error at once. It is
/// flock(2) on ".lock", as .NET takes it on Unix (LOCK_EX for FileShare.None, LOCK_SH for a read-only
/// open that shares reading; a byte-range lock on Windows): the kernel drops it when the holder's file
/// descriptor closes, which includes exit and kill -9, so a crashed run never leaves the directory locked.
/// The exclusive holder's PID sits in ".lock.pid" beside it, for the message the second process prints
/// (the lock file itself cannot be read while it is locked); readers do not write it, since several
/// may hold the lock at once and would overwrite each other.
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

    /// <summary>The exclusive lock train takes, or a one-line error naming who holds the run; creates the directory if needed.</summary>
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
            // Readers hold it if a shared lock can still be had: say so, rather than name a stale PID.
            throw new UserInputException(HeldByReaders(lockPath)
                ? $"{full}: being read by an analysis verb (eval, sample, score, ...) in another process; train waits for " +
                  "nothing: run it again when the reader has finished, or stop the reader"
                : $"{full}: in use by {Holder(ownerPath)} (a train is running in this run directory); wait for it to finish or stop it");
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

    /// <summary>
    /// The shared lock an analysis verb takes on an existing run: other readers may hold it too; while
    /// train holds the run it is a one-line error naming train's PID.
    /// </summary>
    public static RunLock AcquireShared(string directory, string key)
    {
        string full = Path.GetFullPath(directory);
        string lockPath = Path.Combine(full, LockFileName), ownerPath = Path.Combine(full, OwnerFileName);
        try
        {
            return new RunLock(OpenShared(lockPath), full);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException && IsSharingViolation(e))
        {
            throw new UserInputException(
                $"{full}: in use by {Holder(ownerPath)} (a train is writing this run); wait for it to finish or stop it");
        }
        catch (Exception e) when (IoFailure.IsIo(e))
        {
            throw new ConfigException(key, directory, $"cannot lock {lockPath}: {IoFailure.Reason(e)}");
        }
    }

    // Read access and FileShare.Read: .NET takes LOCK_SH. The file is created if a run from before the
    // lock existed has none (ReadWrite then, which .NET still locks shared on a local file system).
    private static FileStream OpenShared(string lockPath) => File.Exists(lockPath)
        ? new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)
        : new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);

    /// <summary>Whether a shared lock can be had right now (then released): the exclusive one is refused because of readers.</summary>
    private static bool HeldByReaders(string lockPath)
    {
        try
        {
            using FileStream probe = OpenShared(lockPath);
            return true;
        }
        catch (Exception e) when (IoFailure.IsIo(e))
        {
            return false;
        }
    }

    private static string Holder(string ownerPath) => ReadOwner(ownerPath) is { } pid ? $"process {pid}" : "another process";

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
