namespace VaeGpu.Tests;

/// <summary>
/// Finds the checkout (the folder holding VaeGpu.sln): $VAEGPU_REPO_ROOT when set, else the first
/// folder above the test binaries, else above the current directory (a published test executable
/// run from the checkout, as scripts/gpu/run-checks.sh does).
/// </summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("VAEGPU_REPO_ROOT") is { Length: > 0 } chosen && IsRoot(chosen))
            return chosen;
        foreach (string start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (IsRoot(dir.FullName))
                    return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no VaeGpu.sln above {AppContext.BaseDirectory} or {Environment.CurrentDirectory} (set VAEGPU_REPO_ROOT)");
    }

    private static bool IsRoot(string folder) => File.Exists(System.IO.Path.Combine(folder, "VaeGpu.sln"));
}
