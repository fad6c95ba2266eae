using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cuda;
using VaeGpu.Accelerators.OpenCl;
using VaeGpu.Configuration;
using VaeGpu.Tests.Accelerators.OpenCl;

namespace VaeGpu.Tests.Accelerators.Cuda;

/// <summary>Status names, messages, options and launch geometry: pure logic, runs without CUDA.</summary>
public sealed class CudaStatusTests
{
    [Theory]
    [InlineData(0, "CUDA_SUCCESS")]
    [InlineData(1, "CUDA_ERROR_INVALID_VALUE")]
    [InlineData(2, "CUDA_ERROR_OUT_OF_MEMORY")]
    [InlineData(34, "CUDA_ERROR_STUB_LIBRARY")]
    [InlineData(100, "CUDA_ERROR_NO_DEVICE")]
    [InlineData(218, "CUDA_ERROR_INVALID_PTX")]
    [InlineData(222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION")]
    [InlineData(700, "CUDA_ERROR_ILLEGAL_ADDRESS")]
    [InlineData(719, "CUDA_ERROR_LAUNCH_FAILED")]
    [InlineData(901, "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED")]
    [InlineData(999, "CUDA_ERROR_UNKNOWN")]
    public void The_table_names_the_statuses_as_cuda_h_does(int status, string name)
    {
        Assert.Equal(name, CudaStatus.TableName(status));
        Assert.Equal(name, CudaStatus.Name(status)); // the driver's name where there is one: the same
    }

    [Fact]
    public void An_unknown_status_still_gets_a_name_with_its_number()
    {
        Assert.Equal("CUresult 12345", CudaStatus.TableName(12345));
        Assert.EndsWith("(12345)", CudaStatus.Describe(12345), StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_call_names_the_call_and_the_status()
    {
        var error = new CudaException("cuLaunchKernel", 719, "kernel linear_forward");
        Assert.Equal("cuLaunchKernel failed: CUDA_ERROR_LAUNCH_FAILED (719): kernel linear_forward", error.Message);
        Assert.Equal("CUDA_ERROR_LAUNCH_FAILED", error.StatusName);
    }

    [Fact]
    public void Out_of_memory_is_one_line_that_says_to_use_a_smaller_batch()
    {
        UserInputException error = CudaOutOfMemoryException.Allocating(3L << 30, "NVIDIA H100 (compute 9.0)", "cuMemAlloc_v2", 2);
        Assert.Equal("CUDA device out of memory allocating 3072 MiB on NVIDIA H100 (compute 9.0) (cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY (2)): " +
            "use a smaller --batch-size or model", error.Message);
        Assert.DoesNotContain('\n', CudaOutOfMemoryException.InUse("gpu", "cuLaunchKernel kernel k", 2).Message);
    }

    [Fact]
    public void A_compile_error_is_one_line_and_keeps_the_log()
    {
        const string log = "linear.cl(12): warning: unused\nlinear.cl(42): error: identifier \"x\" is undefined\n\n1 error detected\n";
        var error = new NvrtcCompileException("NVRTC 12.4 (libnvrtc.so.12 (loader search path))", "--gpu-architecture=compute_90", log);
        Assert.Equal("CUDA kernel build failed with NVRTC 12.4 (libnvrtc.so.12 (loader search path)): linear.cl(42): error: identifier \"x\" is undefined",
            error.Message);
        Assert.Equal(log, error.Log);
        Assert.IsAssignableFrom<UserInputException>(error);
    }

    [Fact]
    public void Options_name_the_architecture_the_defines_and_never_cl_std()
    {
        IReadOnlyList<string> options = CudaAccelerator.Options(CudaTestDevice.Fake(9, 0), KernelTuning.Default.Defines);
        Assert.Equal(["--gpu-architecture=compute_90", "-DVAEGPU_CUDA=1", "--fmad=false", "--std=c++17"], options.Take(4));
        Assert.Contains("-DTILE_M=64", options);
        Assert.Contains("-DREDUCE_GROUP=256", options);
        Assert.DoesNotContain(options, o => o.Contains("cl-std", StringComparison.Ordinal));
        Assert.Equal("--gpu-architecture=sm_86", CudaAccelerator.Options(CudaTestDevice.Fake(8, 6), KernelTuning.Default.Defines, cubin: true)[0]);
        Assert.Throws<ArgumentException>(() => CudaAccelerator.Options(CudaTestDevice.Fake(), new Dictionary<string, int> { ["1BAD"] = 1 }));
    }

    [Fact]
    public void The_program_is_the_prelude_then_the_opencl_program()
    {
        string source = CudaAccelerator.ProgramSource();
        Assert.StartsWith("#line 1 \"cuda_prelude.h\"\n", source, StringComparison.Ordinal);
        Assert.True(source.IndexOf("#line 1 \"common.h\"", StringComparison.Ordinal) > source.IndexOf("#define LOCAL_PTR", StringComparison.Ordinal));
        foreach (string kernel in CudaAccelerator.KernelNames)
            Assert.Contains($"__kernel void {kernel}(", source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(128, 400)]
    [InlineData(65, 784)]
    public void Launch_geometry_is_the_opencl_local_size_and_global_over_local(int m, int n)
    {
        KernelTuning tuning = KernelTuning.Default;
        var ((gridX, gridY), (blockX, blockY)) = CudaKernelCall.GemmGeometry(tuning, m, n);
        Assert.Equal(((uint)tuning.ThreadsN, (uint)tuning.ThreadsM), (blockX, blockY));
        // OpenCL's global size is ⌈n / TILE_N⌉·THREADS_N by ⌈m / TILE_M⌉·THREADS_M.
        Assert.Equal((uint)((n + tuning.TileN - 1) / tuning.TileN), gridX);
        Assert.Equal((uint)((m + tuning.TileM - 1) / tuning.TileM), gridY);
        Assert.Equal(((uint)1, (uint)1), CudaKernelCall.ElementGeometry(tuning, 1));
        Assert.Equal(((uint)4, (uint)256), CudaKernelCall.ElementGeometry(tuning, 784));
    }

    [Fact]
    public void Selection_without_a_driver_or_a_device_is_a_one_line_config_error()
    {
        OpenClTestDevice.AssertOneLine(() => CudaDevices.Select(new DeviceRequest(DeviceKind.Cuda), CudaDiscovery.Missing(CudaDevices.DriverMissing)),
            "Device = 'cuda'", "libcuda.so.1 not found: install the NVIDIA driver");
        var one = new CudaDiscovery(12040, [CudaTestDevice.Fake()], null, new NvrtcLoad(null, "NVRTC (libnvrtc) not found: looked in: x"));
        OpenClTestDevice.AssertOneLine(() => CudaDevices.Select(new DeviceRequest(DeviceKind.Cuda, DeviceIndex: 3), one),
            "Device = 'cuda:3'", "there is no CUDA device 3 (devices: 0 NVIDIA Fake)");
        OpenClTestDevice.AssertOneLine(() => CudaDevices.Select(new DeviceRequest(DeviceKind.Cuda), one), "Device = 'cuda'", "looked in: x");
        var none = new CudaDiscovery(12040, [], null, new NvrtcLoad(null, null));
        OpenClTestDevice.AssertOneLine(() => CudaDevices.Select(new DeviceRequest(DeviceKind.Cuda), none), "Device = 'cuda'", CudaDevices.NoDevice);
        Assert.Equal("12.4", one.DriverVersionText);
    }

    [Fact]
    public void The_real_discovery_never_throws_and_says_why_when_unusable()
    {
        CudaDiscovery discovery = CudaDevices.Discovery;
        if (!discovery.IsUsable)
        {
            Assert.False(string.IsNullOrWhiteSpace(discovery.Problem));
            Assert.DoesNotContain('\n', discovery.Problem!);
        }
        TestContext.Current.SendDiagnosticMessage($"CUDA here: {discovery.Problem ?? $"{discovery.Devices.Count} device(s), {discovery.Nvrtc.Nvrtc}"}");
    }
}
