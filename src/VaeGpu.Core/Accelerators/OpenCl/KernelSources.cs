using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace VaeGpu.Accelerators.OpenCl;

/// <summary>
/// The kernels/*.cl and kernels/*.h files, embedded in VaeGpu.Core as "VaeGpu.Kernels.&lt;file&gt;".
/// <see cref="Program"/> joins several into one translation unit with a textual #include (OpenCL 1.2's
/// clCreateProgramWithSource has no in-memory headers), each file behind a #line directive so build
/// errors name the right file and line.
/// </summary>
public static partial class KernelSources
{
    public const string ResourcePrefix = "VaeGpu.Kernels.";

    /// <summary>The embedded kernel files ("common.h", "linear.cl", ...), sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(KernelSources).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>The text of kernels/<paramref name="fileName"/>.</summary>
    public static string Read(string fileName)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        Assembly assembly = typeof(KernelSources).Assembly;
        using Stream stream = assembly.GetManifestResourceStream(ResourcePrefix + fileName)
            ?? throw new FileNotFoundException(
                $"kernel source '{fileName}' is not embedded in {assembly.GetName().Name} (embedded: {string.Join(", ", Names)})",
                fileName);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The files, in order, as one program source; #include "x.h" lines are resolved against the embedded files.</summary>
    public static string Program(params string[] files) =>
        Resolve(files.Select(name => (name, Read(name))), Read);

    /// <summary>
    /// Concatenates <paramref name="files"/> in order. A line <c>#include "x.h"</c> becomes the text of
    /// x.h (from <paramref name="readHeader"/>, resolved recursively) the first time x.h is seen, and
    /// nothing afterwards; a file listed in <paramref name="files"/> counts as seen once emitted.
    /// Each file starts with <c>#line 1 "name"</c>, and the including file's numbering resumes after
    /// an inlined header, so every line keeps its original file and number.
    /// </summary>
    internal static string Resolve(IEnumerable<(string Name, string Text)> files, Func<string, string> readHeader)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(readHeader);
        var output = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, string text) in files)
        {
            if (seen.Add(name))
                Emit(name, text, output, seen, readHeader);
        }
        return output.ToString();
    }

    private static void Emit(string name, string text, StringBuilder output, HashSet<string> seen, Func<string, string> readHeader)
    {
        output.Append("#line 1 \"").Append(name).Append("\"\n");
        string[] lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        int count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length; // no phantom line after the last newline
        for (int i = 0; i < count; i++)
        {
            Match include = IncludeLine().Match(lines[i]);
            if (!include.Success)
            {
                output.Append(lines[i]).Append('\n');
                continue;
            }
            string header = include.Groups["file"].Value;
            if (!seen.Add(header))
            {
                output.Append('\n'); // already included: an empty line keeps the numbering
                continue;
            }
            Emit(header, readHeader(header), output, seen, readHeader);
            output.Append("#line ").Append(i + 2).Append(" \"").Append(name).Append("\"\n");
        }
    }

    [GeneratedRegex("""^\s*#\s*include\s*"(?<file>[^"]+)"\s*(//.*)?$""")]
    private static partial Regex IncludeLine();
}
