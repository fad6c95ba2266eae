using VaeGpu.Accelerators.OpenCl;

namespace VaeGpu.Tests.Accelerators.OpenCl;

public sealed class KernelSourcesTests
{
    private static readonly Dictionary<string, string> Headers = new()
    {
        ["common.h"] = "#define ONE 1\ninline int one(void) { return ONE; }\n",
        ["philox.h"] = "#include \"common.h\"\ninline uint mix(uint x) { return x * 3u; }\n",
    };

    private static string Read(string name) => Headers[name];

    [Fact]
    public void A_header_is_inlined_the_first_time_and_dropped_afterwards()
    {
        string source = KernelSources.Resolve(
            [("a.cl", "#include \"common.h\"\n__kernel void a(void) {}\n"), ("b.cl", "  # include \"common.h\"  // again\n__kernel void b(void) {}\n")],
            Read);

        Assert.Equal("""
            #line 1 "a.cl"
            #line 1 "common.h"
            #define ONE 1
            inline int one(void) { return ONE; }
            #line 2 "a.cl"
            __kernel void a(void) {}
            #line 1 "b.cl"

            __kernel void b(void) {}

            """.Replace("\r\n", "\n", StringComparison.Ordinal), source);
    }

    [Fact]
    public void Headers_nest_and_a_listed_header_counts_as_seen()
    {
        string source = KernelSources.Resolve(
            [("common.h", Headers["common.h"]), ("k.cl", "// k\n#include \"philox.h\"\n#include \"common.h\"\nkernel\n")], Read);

        Assert.Equal("""
            #line 1 "common.h"
            #define ONE 1
            inline int one(void) { return ONE; }
            #line 1 "k.cl"
            // k
            #line 1 "philox.h"

            inline uint mix(uint x) { return x * 3u; }
            #line 3 "k.cl"

            kernel

            """.Replace("\r\n", "\n", StringComparison.Ordinal), source);
    }

    [Fact]
    public void A_file_listed_twice_is_emitted_once_and_line_endings_are_normalized()
    {
        string source = KernelSources.Resolve([("a.cl", "x\r\ny"), ("a.cl", "x\r\ny")], Read);

        Assert.Equal("#line 1 \"a.cl\"\nx\ny\n", source);
    }

    [Fact]
    public void Only_quoted_includes_on_their_own_line_are_resolved()
    {
        string text = "#include <stdint.h>\n// #include \"common.h\"\n";

        Assert.Equal("#line 1 \"a.cl\"\n" + text, KernelSources.Resolve([("a.cl", text)], Read));
    }

    [Fact]
    public void An_unknown_header_fails_in_the_reader()
    {
        Assert.Throws<KeyNotFoundException>(() => KernelSources.Resolve([("a.cl", "#include \"nope.h\"\n")], Read));
        Assert.Throws<FileNotFoundException>(() => KernelSources.Read("nope.cl"));
    }

    [Fact]
    public void Embedded_kernel_files_are_cl_and_h_files_and_read_back()
    {
        Assert.All(KernelSources.Names, name => Assert.True(name.EndsWith(".cl", StringComparison.Ordinal) || name.EndsWith(".h", StringComparison.Ordinal), name));
        Assert.SkipWhen(KernelSources.Names.Count == 0, "no kernels/*.cl or *.h in this build yet");

        string first = KernelSources.Names[0];
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "kernels", first)), KernelSources.Read(first));
        Assert.StartsWith($"#line 1 \"{first}\"\n", KernelSources.Program(first), StringComparison.Ordinal);
    }
}
