using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cuda;

namespace VaeGpu.Tests.Accelerators.Cuda;

/// <summary>Where NVRTC is looked for, in order, over fake file-system trees; and compiling the kernels when NVRTC is here.</summary>
public sealed class NvrtcSearchTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Sonames_come_first_newest_cuda_first()
    {
        IReadOnlyList<NvrtcCandidate> candidates = NvrtcSearch.Candidates(_root.Path, _ => null, null);
        Assert.Equal(["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11.1", "libnvrtc.so.11.0", "libnvrtc.so"],
            candidates.Select(c => c.Path));
        Assert.All(candidates, c => Assert.Equal("loader search path", c.Where));
    }

    [Fact]
    public void The_override_then_cuda_path_then_toolkits_newest_first_then_python_wheels()
    {
        string cudaPath = Touch("opt/toolkit/lib64/libnvrtc.so.12");
        Touch("opt/toolkit/lib64/libnvrtc-builtins.so.12.4");
        string old = Touch("usr/local/cuda-11.8/lib64/libnvrtc.so.11.2");
        string newest = Touch("usr/local/cuda-12.10/lib64/libnvrtc.so.12");
        string middle = Touch("usr/local/cuda-12.4/lib64/libnvrtc.so.12");
        string plain = Touch("usr/local/cuda/lib64/libnvrtc.so");
        string wheel311 = Touch("usr/local/lib/python3.11/dist-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12");
        string wheel39 = Touch("usr/local/lib/python3.9/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12");
        string debian = Touch("usr/lib/python3/dist-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12");
        string cu13 = Touch("usr/lib/python3.12/site-packages/nvidia/cu13/lib/libnvrtc.so.13");
        string home = Path.Combine(_root.Path, "home", "me");
        string user = Touch("home/me/.local/lib/python3.10/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12");
        string conda = Touch("opt/conda/lib/python3.11/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12");
        var environment = new Dictionary<string, string>
        {
            ["VAEGPU_NVRTC"] = "/chosen/libnvrtc.so.12",
            ["CUDA_PATH"] = Path.Combine(_root.Path, "opt", "toolkit"),
        };

        IReadOnlyList<NvrtcCandidate> candidates = NvrtcSearch.Candidates(_root.Path, k => environment.GetValueOrDefault(k), home);

        string[] files = candidates.Select(c => c.Path).Where(p => !p.StartsWith("libnvrtc", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["/chosen/libnvrtc.so.12", cudaPath, newest, middle, old, plain, wheel311, wheel39, cu13, debian, user, conda], files);
        Assert.Equal("$VAEGPU_NVRTC", candidates[0].Where);
        Assert.Equal("libnvrtc.so.13", candidates[1].Path);
        Assert.Equal("$CUDA_PATH/lib64", candidates.Single(c => c.Path == cudaPath).Where);
        Assert.Equal("Python NVIDIA wheel", candidates.Single(c => c.Path == user).Where);
    }

    [Fact]
    public void In_a_folder_versioned_files_come_newest_first_then_the_plain_name()
    {
        string folder = Path.GetDirectoryName(Touch("lib/libnvrtc.so"))!;
        Touch("lib/libnvrtc.so.11.2");
        Touch("lib/libnvrtc.so.12");
        Touch("lib/libnvrtc.so.12.4.127");
        Touch("lib/libnvrtc.so.12.bak");
        Touch("lib/libnvrtc-builtins.so");

        Assert.Equal(["libnvrtc.so.12.4.127", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"],
            NvrtcSearch.FilesIn(folder).Select(Path.GetFileName));
        Assert.Empty(NvrtcSearch.FilesIn(Path.Combine(_root.Path, "nowhere")));
    }

    [Fact]
    public void Nothing_found_lists_every_place_looked_on_one_line()
    {
        NvrtcLoad load = Nvrtc.Load([new NvrtcCandidate(Path.Combine(_root.Path, "missing", "libnvrtc.so.12"), "test")], driverVersion: 12040);

        Assert.Null(load.Nvrtc);
        Assert.StartsWith("NVRTC (libnvrtc) not found", load.Problem, StringComparison.Ordinal);
        Assert.Contains("/usr/local/cuda*/lib64", load.Problem, StringComparison.Ordinal);
        Assert.Contains("nvidia/{cuda_nvrtc,cu13}/lib", load.Problem, StringComparison.Ordinal);
        Assert.Contains("libnvrtc.so.13/libnvrtc.so.12", load.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', load.Problem!);
    }

    [Fact]
    public void A_file_that_is_not_nvrtc_is_passed_over()
    {
        string fake = Touch("lib/libnvrtc.so.12");
        File.WriteAllText(fake, "not a shared object");

        NvrtcLoad load = Nvrtc.Load([new NvrtcCandidate(fake, "test")], driverVersion: null);

        Assert.Null(load.Nvrtc);
    }

    [Fact]
    public void The_driver_version_reads_as_a_cuda_version()
    {
        Assert.Equal(new Version(12, 4), Nvrtc.DriverCudaVersion(12040));
        Assert.Equal(new Version(13, 0), Nvrtc.DriverCudaVersion(13000));
        Assert.Equal(new Version(11, 8), Nvrtc.DriverCudaVersion(11080));
    }

    /// <summary>NVRTC needs no GPU: wherever it is found, the kernels must compile to PTX with every entry point.</summary>
    [Fact]
    public void The_kernels_compile_to_ptx_with_nvrtc()
    {
        Nvrtc nvrtc = CudaTestDevice.RequireNvrtc();
        CudaDeviceInfo device = CudaTestDevice.Device ?? CudaTestDevice.Fake(8, 0);
        byte[] ptx = nvrtc.Compile(CudaAccelerator.ProgramSource(), "vaegpu_kernels.cu",
            CudaAccelerator.Options(device, KernelTuning.Default.Defines), cubin: false, out string log);

        string text = System.Text.Encoding.UTF8.GetString(ptx);
        foreach (string kernel in CudaAccelerator.KernelNames)
            Assert.Contains($".entry {kernel}(", text, StringComparison.Ordinal);
        TestContext.Current.SendDiagnosticMessage($"{nvrtc}: {ptx.Length} bytes of PTX for {device.VirtualArchitecture}; log: {(log.Length == 0 ? "empty" : log)}");
    }

    private string Touch(string relative)
    {
        string path = Path.Combine(_root.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
        return path;
    }
}
