
namespace VaeGpu.Io;

/// <summary>
/// Turns an I/O exception into the one-line user error the CLI promises: the path and a reason a user
/// can act on ("no space left on device", "permission denied", "not a directory"), never .NET's text
/// alone, and exit code 2 rather than the internal-error 1.
/// </summary>
public static class IoFailure
{
    // errno values as Linux reports them in IOException.HResult (the low 16 bits on Unix).
    private const int ENOTDIR = 20, EISDIR = 21, ENOSPC = 28, EROFS = 30, EDQUOT = 122, EACCES = 13, EPERM = 1;

    public static UserInputException Writing(string path, Exception error) =>
        new($"{path}: cannot write: {Reason(error)}");

    /// <summary>True for the exceptions that mean "the file system said no", as opposed to a bug.</summary>
    public static bool IsIo(Exception error) => error is IOException or UnauthorizedAccessException;

    public static string Reason(Exception error)
    {
        if (error is UnauthorizedAccessException) return "permission denied";
        if (error is DirectoryNotFoundException) return "a directory on the path does not exist";
        // ENOENT on creating a file whose directory exists: a kernel file system (/proc, /sys) that
        // holds only the files the kernel makes. .NET's "Could not find file" reads as a missing input.
        if (error is FileNotFoundException { FileName: { } name } && Directory.Exists(Path.GetDirectoryName(name)))
            return "this file system does not let files be created here (a kernel file system such as /proc?)";
        int errno = error.HResult & 0xFFFF;
        return errno switch
        {
            ENOSPC or EDQUOT => "no space left on device",
            ENOTDIR => "not a directory (a file stands where a directory on the path should be)",
            EISDIR => "it is a directory",
            EROFS => "read-only file system",
            EACCES or EPERM => "permission denied",
            _ => error.Message.ReplaceLineEndings(" "),
        };
    }
}
