namespace VaeGpu.Tests;

/// <summary>Finds the checkout (the folder holding VaeGpu.sln) from the test binaries' location.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "VaeGpu.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no VaeGpu.sln above {AppContext.BaseDirectory}");
    }
}
