using System.Globalization;

namespace VaeGpu.Accelerators.Cuda;

/// <summary>One place NVRTC may be: a file path, or a bare soname that the dynamic loader resolves.</summary>
/// <param name="Path">What NativeLibrary.TryLoad is given.</param>
/// <param name="Where">Why it is looked at, for messages: "loader search path", "$CUDA_PATH/lib64", ...</param>
public sealed record NvrtcCandidate(string Path, string Where)
{
    public override string ToString() => $"{Path} ({Where})";
}

/// <summary>
/// Where NVRTC (libnvrtc) is looked for, in order. NVRTC is not part of the driver: it comes with a
/// CUDA toolkit (/usr/local/cuda*/lib64, often not on the loader path) or with the Python wheels
/// that PyTorch depends on (site-packages/nvidia/cuda_nvrtc/lib). Pure logic over a file-system
/// root, so tests can lay out fake trees:
/// <list type="number">
/// <item>$VAEGPU_NVRTC, a file, when set (an explicit choice wins);</item>
/// <item>the versioned sonames libnvrtc.so.13, .12, .11.2, .11.1, .11.0, then libnvrtc.so, through the loader's own search path (LD_LIBRARY_PATH, ldconfig);</item>
/// <item>$CUDA_PATH/lib64, then $CUDA_HOME/lib64;</item>
/// <item>/usr/local/cuda-X.Y/lib64, newest version first, then /usr/local/cuda/lib64;</item>
/// <item>the nvidia/cuda_nvrtc/lib (CUDA ≤ 12 wheels) and nvidia/cu13/lib (CUDA 13 wheels) folders of every
/// Python's site-packages and dist-packages under /usr/local/lib/python3*, /usr/lib/python3*, /usr/lib/python3,
/// ~/.local/lib/python3*, $VIRTUAL_ENV/lib/python3*, $CONDA_PREFIX/lib/python3* and /opt/conda/lib/python3*
/// (newest Python first).</item>
/// </list>
/// In a folder, the files named libnvrtc.so.N[.M…] come first, newest version first, then libnvrtc.so;
/// libnvrtc-builtins is never a candidate.
/// </summary>
public static class NvrtcSearch
{
    public const string OverrideVariable = "VAEGPU_NVRTC";

    public static IReadOnlyList<string> Sonames { get; } =
        ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11.1", "libnvrtc.so.11.0", "libnvrtc.so"];

    private static readonly string[] WheelFolders = ["nvidia/cuda_nvrtc/lib", "nvidia/cu13/lib"];

    /// <summary>The candidates on this machine.</summary>
    public static IReadOnlyList<NvrtcCandidate> Candidates() =>
        Candidates("/", Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <param name="root">The file-system root the absolute places are taken under ("/" for real).</param>
    /// <param name="environment">Environment lookup (VAEGPU_NVRTC, CUDA_PATH, CUDA_HOME, VIRTUAL_ENV, CONDA_PREFIX).</param>
    /// <param name="home">The home folder (for ~/.local), or null/empty for none.</param>
    public static IReadOnlyList<NvrtcCandidate> Candidates(string root, Func<string, string?> environment, string? home)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(environment);
        var list = new List<NvrtcCandidate>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string path, string where)
        {
            if (seen.Add(path)) list.Add(new NvrtcCandidate(path, where));
        }

        if (environment(OverrideVariable) is { Length: > 0 } chosen)
            Add(chosen, $"${OverrideVariable}");
        foreach (string soname in Sonames)
            Add(soname, "loader search path");
        foreach (string variable in new[] { "CUDA_PATH", "CUDA_HOME" })
        {
            if (environment(variable) is { Length: > 0 } toolkit)
                foreach (string file in FilesIn(Path.Combine(toolkit, "lib64")))
                    Add(file, $"${variable}/lib64");
        }
        foreach (string folder in ToolkitFolders(root))
            foreach (string file in FilesIn(folder))
                Add(file, "CUDA toolkit");
        foreach (string folder in PythonFolders(root, environment, home))
            foreach (string file in FilesIn(folder))
                Add(file, "Python NVIDIA wheel");
        return list;
    }

    /// <summary>Every place looked, as patterns, for the "NVRTC not found" message.</summary>
    public static string Places(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var places = new List<string>();
        if (environment(OverrideVariable) is { Length: > 0 } chosen)
            places.Add($"${OverrideVariable}={chosen}");
        places.Add(string.Join("/", Sonames) + " on the loader path");
        foreach (string variable in new[] { "CUDA_PATH", "CUDA_HOME" })
            places.Add(environment(variable) is { Length: > 0 } value ? $"${variable}/lib64 ({value}/lib64)" : $"${variable} (unset)");
        places.Add("/usr/local/cuda*/lib64");
        places.Add("{/usr/local/lib,/usr/lib,~/.local/lib,$VIRTUAL_ENV/lib,$CONDA_PREFIX/lib,/opt/conda/lib}/python3*/{site,dist}-packages/nvidia/{cuda_nvrtc,cu13}/lib");
        return string.Join("; ", places);
    }

    /// <summary>/usr/local/cuda-X.Y/lib64 newest first, then /usr/local/cuda/lib64.</summary>
    internal static IEnumerable<string> ToolkitFolders(string root)
    {
        string local = Path.Combine(root, "usr", "local");
        var versioned = new List<(Version Version, string Folder)>();
        foreach (string folder in SafeDirectories(local, "cuda-*"))
        {
            if (Version.TryParse(Path.GetFileName(folder)["cuda-".Length..], out Version? version))
                versioned.Add((version, folder));
        }
        foreach ((_, string folder) in versioned.OrderByDescending(v => v.Version))
            yield return Path.Combine(folder, "lib64");
        yield return Path.Combine(local, "cuda", "lib64");
    }

    internal static IEnumerable<string> PythonFolders(string root, Func<string, string?> environment, string? home)
    {
        var prefixes = new List<string>
        {
            Path.Combine(root, "usr", "local", "lib"),
            Path.Combine(root, "usr", "lib"),
        };
        if (!string.IsNullOrEmpty(home)) prefixes.Add(Path.Combine(home, ".local", "lib"));
        foreach (string variable in new[] { "VIRTUAL_ENV", "CONDA_PREFIX" })
        {
            if (environment(variable) is { Length: > 0 } prefix)
                prefixes.Add(Path.Combine(prefix, "lib"));
        }
        prefixes.Add(Path.Combine(root, "opt", "conda", "lib"));
        foreach (string prefix in prefixes)
        {
            // python3.12 before python3.9 before python3 (Debian's version-less dist-packages).
            IEnumerable<string> pythons = SafeDirectories(prefix, "python3*")
                .OrderByDescending(p => PythonVersion(Path.GetFileName(p)));
            foreach (string python in pythons)
                foreach (string packages in new[] { "site-packages", "dist-packages" })
                    foreach (string wheel in WheelFolders)
                        yield return Path.Combine(python, packages, wheel);
        }
    }

    /// <summary>The libnvrtc files in <paramref name="folder"/>: libnvrtc.so.N[.M…] newest first, then libnvrtc.so.</summary>
    internal static IEnumerable<string> FilesIn(string folder)
    {
        if (!Directory.Exists(folder))
            return [];
        var versioned = new List<(Version Version, string File)>();
        string? plain = null;
        foreach (string file in SafeFiles(folder, "libnvrtc.so*"))
        {
            string name = Path.GetFileName(file);
            if (name == "libnvrtc.so")
                plain = file;
            else if (name.StartsWith("libnvrtc.so.", StringComparison.Ordinal) && ParseVersion(name["libnvrtc.so.".Length..]) is { } version)
                versioned.Add((version, file));
        }
        IEnumerable<string> ordered = versioned.OrderByDescending(v => v.Version).Select(v => v.File);
        return plain is null ? ordered.ToList() : [.. ordered, plain];
    }

    private static Version? ParseVersion(string text)
    {
        string[] parts = text.Split('.');
        if (parts.Length is < 1 or > 4) return null;
        var numbers = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i])) return null;
        }
        return parts.Length switch
        {
            1 => new Version(numbers[0], 0),
            2 => new Version(numbers[0], numbers[1]),
            3 => new Version(numbers[0], numbers[1], numbers[2]),
            _ => new Version(numbers[0], numbers[1], numbers[2], numbers[3]),
        };
    }

    private static Version PythonVersion(string folderName) =>
        ParseVersion(folderName["python".Length..]) ?? new Version(0, 0);

    private static IEnumerable<string> SafeDirectories(string folder, string pattern)
    {
        try
        {
            return Directory.Exists(folder) ? Directory.GetDirectories(folder, pattern) : [];
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static IEnumerable<string> SafeFiles(string folder, string pattern)
    {
        try
        {
            return Directory.GetFiles(folder, pattern);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
