using System.Diagnostics;
using System.Text.RegularExpressions;
using VaeGpu.Accelerators.Ilgpu;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators.Ilgpu;

/// <summary>
/// The GPU code, checked on a machine without a GPU (ilgpu-cpu runs the original IL, so it proves
/// the algorithms, not the PTX): every kernel compiles with ILGPU's PTX backend for sm_90, with
/// nothing left unresolved and no float add/sub/mul that ptxas could contract; CUDA 11.8's ptxas
/// assembles it, and in its SASS a float FFMA appears only in the kernels that ask for fma (the
/// GEMMs). Every kernel's OpenCL C compiles as OpenCL C 2.0 with clang. The tools come from
/// scripts/ci/fetch-cuda-tools.sh (.tools/cuda, or $VAEGPU_CUDA_TOOLS) and Debian's clang; each
/// check skips with the reason when its tool is absent.
/// </summary>
public sealed partial class KernelCompileTests
{
    public static TheoryData<string> Kernels => new(KernelCatalog.All.Select(k => k.Name));

    /// <summary>
    /// The kernels when ptxas and cuobjdump are here; otherwise one row skipped with the reason, so that
    /// a machine without the tools shows one skip line that says why, not one reasonless line per kernel.
    /// </summary>
    public static TheoryData<string> KernelsForPtxas =>
        File.Exists(Ptxas) && File.Exists(Cuobjdump)
            ? Kernels
            : new TheoryData<string>(new TheoryDataRow<string>("every kernel")
            {
                Skip = $"no ptxas/cuobjdump at {Tools} (bash scripts/ci/fetch-cuda-tools.sh fetches them)",
            });

    private static string Tools => Environment.GetEnvironmentVariable("VAEGPU_CUDA_TOOLS") is { Length: > 0 } tools
        ? tools
        : Path.Combine(RepositoryRoot.Path, ".tools", "cuda");

    private static string Ptxas => Path.Combine(Tools, "usr", "bin", "ptxas");

    private static string Cuobjdump => Path.Combine(Tools, "usr", "bin", "cuobjdump");

    private static readonly Lazy<OfflineCompiler> PtxSoftwareMath = new(() => OfflineCompiler.Ptx(libDevice: null));

    private static readonly Lazy<OfflineCompiler> PtxLibDevice = new(() => OfflineCompiler.Ptx(LibDeviceSearch.FindIn(Path.Combine(Tools, "usr"))));

    private static readonly Lazy<OfflineCompiler> OpenCl = new(OfflineCompiler.OpenCl);

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Ptx_has_nothing_unresolved_and_only_rounded_float_arithmetic(string kernel)
    {
        KernelEntry entry = Entry(kernel);
        string ptx;
        lock (PtxSoftwareMath) ptx = PtxSoftwareMath.Value.Compile(entry);

        Assert.DoesNotMatch(@"\.extern\s", ptx);
        Match unrounded = UnroundedArithmetic().Match(ptx);
        Assert.False(unrounded.Success, $"{kernel}: '{unrounded.Value}' can be contracted into an FMA by ptxas");
        Assert.Equal(entry.UsesFma, ptx.Contains("fma.rn.f32", StringComparison.Ordinal));
    }

    /// <summary>
    /// ptxas may expand a correctly rounded div.rn/sqrt.rn/rcp.rn, and double math, into sequences
    /// that use FFMA internally (exact by construction); every other FFMA would be a contraction.
    /// So a kernel that asks for no fma and has none of those has no FFMA at all, a GEMM has its 16, and
    /// the fused head (one dot product per thread) has its one.
    /// </summary>
    [Theory]
    [MemberData(nameof(KernelsForPtxas))]
    public void Ptxas_assembles_it_for_sm_90_and_ffma_appears_only_where_asked_for(string kernel)
    {
        KernelEntry entry = Entry(kernel);
        string ptx;
        lock (PtxSoftwareMath) ptx = PtxSoftwareMath.Value.Compile(entry);
        string sass = Assemble(kernel, ptx);

        int ffma = FloatFma().Matches(sass).Count;
        bool exactSequences = ExactSequences().IsMatch(ptx);
        if (entry.RegisterBlocked) Assert.True(ffma >= 16, $"{kernel}: {ffma} FFMA in the SASS, expected the 4×4 block's 16 at least");
        else if (entry.UsesFma) Assert.True(ffma >= 1, $"{kernel}: no FFMA in the SASS of a kernel that asks for one");
        else if (!exactSequences) Assert.True(ffma == 0, $"{kernel}: {ffma} FFMA in the SASS of a kernel that asks for none");
        TestContext.Current.SendDiagnosticMessage($"{kernel}: {ffma} FFMA, {LocalMemory().Matches(sass).Count} LDL/STL (software math)");
    }

    /// <summary>
    /// With LibDevice (what a GPU host with a CUDA toolkit uses) the GEMMs keep their 4×4 accumulators
    /// in registers: no local-memory traffic at all. (The reparameterizing kernels, the fused head's
    /// included, have 10 LDL/STL: libdevice's sin/cos argument reduction, not an accumulator.) (ILGPU.Algorithms' software exp/log, used when no
    /// LibDevice is found, spills in the epilogues of the kernels that call them.)
    /// </summary>
    [Fact]
    public void Ptx_with_libdevice_links_assembles_and_the_gemms_use_no_local_memory()
    {
        LibDeviceFiles? files = LibDeviceSearch.FindIn(Path.Combine(Tools, "usr"));
        Assert.SkipUnless(files is not null && File.Exists(Ptxas) && File.Exists(Cuobjdump), $"no libnvvm/libdevice/ptxas under {Tools}");
        foreach (KernelEntry entry in KernelCatalog.All)
        {
            string ptx;
            lock (PtxLibDevice) ptx = PtxLibDevice.Value.Compile(entry);
            Assert.DoesNotMatch(@"\.extern\s", ptx);
            string sass = Assemble(entry.Name, ptx);
            int local = LocalMemory().Matches(sass).Count;
            TestContext.Current.SendDiagnosticMessage($"{entry.Name}: {FloatFma().Matches(sass).Count} FFMA, {local} LDL/STL (LibDevice)");
            if (entry.RegisterBlocked) Assert.True(local == 0, $"{entry.Name}: {local} LDL/STL in the SASS");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void OpenCl_c_compiles_as_opencl_c_2_0(string kernel)
    {
        string? clang = new[] { "/usr/bin/clang", "/usr/bin/clang-14", "/usr/bin/clang-15", "/usr/bin/clang-16" }.FirstOrDefault(File.Exists);
        Assert.SkipUnless(clang is not null, "no clang here (apt-get install clang)");
        string source;
        lock (OpenCl) source = OpenCl.Value.Compile(Entry(kernel));
        using var temp = new TempDirectory();
        string file = temp.File("kernel.cl");
        File.WriteAllText(file, source);
        (int exit, string output) = Run(clang!, "-x", "cl", "-cl-std=CL2.0", "-Xclang", "-finclude-default-header",
            "-fsyntax-only", "-Werror=implicit-function-declaration", file);
        Assert.True(exit == 0, $"{kernel}: clang -cl-std=CL2.0 failed:\n{output}");
    }

    private static KernelEntry Entry(string name) => KernelCatalog.All.Single(k => k.Name == name);

    /// <summary>ptxas, then cuobjdump -sass: the SASS text.</summary>
    private static string Assemble(string kernel, string ptx)
    {
        using var temp = new TempDirectory();
        string ptxFile = temp.File("kernel.ptx"), cubin = temp.File("kernel.cubin");
        File.WriteAllText(ptxFile, ptx);
        (int exit, string output) = Run(Ptxas, "--gpu-name", "sm_90", "-o", cubin, ptxFile);
        Assert.True(exit == 0, $"{kernel}: ptxas failed:\n{output}");
        (exit, output) = Run(Cuobjdump, "-sass", cubin);
        Assert.True(exit == 0, $"{kernel}: cuobjdump failed:\n{output}");
        return output;
    }

    private static (int Exit, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    [GeneratedRegex(@"\b(add|sub|mul)\.f(32|64)\b")]
    private static partial Regex UnroundedArithmetic();

    [GeneratedRegex(@"\b(div|sqrt|rcp)\.rn\.f32\b|\.f64\b")]
    private static partial Regex ExactSequences();

    [GeneratedRegex(@"\bFFMA\b")]
    private static partial Regex FloatFma();

    [GeneratedRegex(@"\b(LDL|STL)\b")]
    private static partial Regex LocalMemory();
}
