using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Accelerators.Cuda;
using VaeGpu.Accelerators.OpenCl;
using VaeGpu.Configuration;

namespace VaeGpu.Tests.Accelerators.OpenCl;

public sealed class OpenClDevicesTests
{
    private static readonly OpenClPlatformInfo Pocl = new(0, 1, "Portable Computing Language", "OpenCL 3.0 PoCL");

    [Fact]
    public void Discovery_finds_a_usable_device_with_sane_fields()
    {
        OpenClDeviceInfo device = OpenClTestDevice.Require();

        Assert.Null(OpenClDevices.LoaderProblem);
        Assert.NotEqual(0, device.PlatformId);
        Assert.NotEqual(0, device.DeviceId);
        Assert.False(string.IsNullOrWhiteSpace(device.PlatformName));
        Assert.False(string.IsNullOrWhiteSpace(device.DeviceName));
        Assert.StartsWith("OpenCL ", device.DeviceVersion, StringComparison.Ordinal);
        Assert.True(OpenClDevices.ParseOpenClCVersion(device.OpenClCVersion) >= new Version(1, 2), device.OpenClCVersion);
        Assert.True(device.ComputeUnits >= 1);
        Assert.True(device.GlobalMemoryBytes >= 64UL << 20);
        Assert.True(device.LocalMemoryBytes >= OpenClDevices.MinimumLocalMemoryBytes);
        Assert.True(device.MaxWorkGroupSize >= OpenClDevices.MinimumWorkGroupSize);
        Assert.Equal($"opencl:{device.PlatformIndex}:{device.DeviceIndex}", device.Request);
        Assert.Contains(OpenClDevices.Discovery.Platforms, p => p.Index == device.PlatformIndex && p.Name == device.PlatformName);
        Assert.Same(device, OpenClDevices.Select(DeviceRequest.Parse(device.Request)));
    }

    [Fact]
    public void PoCL_when_installed_is_a_usable_cpu_device()
    {
        OpenClDeviceInfo? pocl = OpenClDevices.Discover().FirstOrDefault(d => d.PlatformName == "Portable Computing Language");
        Assert.SkipUnless(pocl is not null, "PoCL is not installed here");

        Assert.Null(pocl!.UnusableReason);
        Assert.False(pocl.IsGpu);
        Assert.StartsWith("OpenCL C 1.", pocl.OpenClCVersion, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OpenCL C 1.2 PoCL", 1, 2)]
    [InlineData("OpenCL C 3.0 ", 3, 0)]
    [InlineData("OpenCL C 1.1", 1, 1)]
    public void OpenCl_C_versions_parse(string text, int major, int minor) =>
        Assert.Equal(new Version(major, minor), OpenClDevices.ParseOpenClCVersion(text));

    [Theory]
    [InlineData("")]
    [InlineData("OpenCL 1.2")]
    [InlineData("OpenCL C x.y")]
    public void Malformed_OpenCl_C_versions_do_not_parse(string text) => Assert.Null(OpenClDevices.ParseOpenClCVersion(text));

    [Fact]
    public void A_device_is_unusable_for_each_missing_requirement()
    {
        Assert.Null(OpenClDevices.Unusable(true, true, "OpenCL C 1.2", 16 * 1024, 256));
        Assert.Equal("OpenCL C 1.1 is below 1.2", OpenClDevices.Unusable(true, true, "OpenCL C 1.1", 64 * 1024, 1024));
        Assert.Equal("8 KiB of local memory is below 16 KiB", OpenClDevices.Unusable(true, true, "OpenCL C 2.0", 8 * 1024, 1024));
        Assert.Equal("a max work-group size of 128 is below 256", OpenClDevices.Unusable(true, true, "OpenCL C 1.2", 32 * 1024, 128));
        Assert.Equal("the device is not available; the driver has no OpenCL C compiler",
            OpenClDevices.Unusable(false, false, "OpenCL C 1.2", 32 * 1024, 256));
        Assert.Equal("unknown OpenCL C version 'OpenCL 1.0'", OpenClDevices.Unusable(true, true, "OpenCL 1.0", 32 * 1024, 256));
    }

    [Fact]
    public void Plain_opencl_picks_the_first_usable_gpu_then_the_first_usable_device()
    {
        OpenClDeviceInfo cpu = OpenClTestDevice.Fake(0, 0, "cpu", gpu: false);
        OpenClDeviceInfo brokenGpu = OpenClTestDevice.Fake(0, 1, "old gpu", gpu: true, unusable: "OpenCL C 1.1 is below 1.2");
        OpenClDeviceInfo gpu = OpenClTestDevice.Fake(0, 2, "gpu", gpu: true);
        var request = new DeviceRequest(DeviceKind.OpenCl);

        Assert.Same(gpu, OpenClDevices.Select(request, new OpenClDiscovery([Pocl], [cpu, brokenGpu, gpu], null)));
        Assert.Same(cpu, OpenClDevices.Select(request, new OpenClDiscovery([Pocl], [brokenGpu, cpu], null)));
    }

    [Fact]
    public void Plain_opencl_without_a_usable_device_says_what_exists()
    {
        OpenClDeviceInfo brokenGpu = OpenClTestDevice.Fake(0, 0, "old gpu", gpu: true, unusable: "OpenCL C 1.1 is below 1.2");

        OpenClTestDevice.AssertOneLine(() => OpenClDevices.Select(new DeviceRequest(DeviceKind.OpenCl), new OpenClDiscovery([Pocl], [brokenGpu], null)),
            "Device = 'opencl'", "no usable OpenCL device (opencl:0:0 old gpu (Portable Computing Language): OpenCL C 1.1 is below 1.2)");
        OpenClTestDevice.AssertOneLine(() => OpenClDevices.Select(new DeviceRequest(DeviceKind.OpenCl), new OpenClDiscovery([Pocl], [], null)),
            "Device = 'opencl'", "no usable OpenCL device (no OpenCL devices (platforms: 0 Portable Computing Language))");
    }

    [Fact]
    public void Select_without_OpenCl_repeats_the_loader_problem()
    {
        var error = Assert.Throws<ConfigException>(() =>
            OpenClDevices.Select(new DeviceRequest(DeviceKind.OpenCl, 0, 0), OpenClDiscovery.Missing(OpenClDevices.LoaderMissing)));

        Assert.Equal($"Device = 'opencl:0:0': {OpenClDevices.LoaderMissing}", error.Message);
    }

    [Fact]
    public void An_explicit_device_is_exactly_that_one()
    {
        OpenClDeviceInfo first = OpenClTestDevice.Fake(0, 0, "cpu", gpu: false);
        OpenClDeviceInfo second = OpenClTestDevice.Fake(1, 0, "gpu", gpu: true, platformName: "Vendor");

        var discovery = new OpenClDiscovery([Pocl, new OpenClPlatformInfo(1, 2, "Vendor", "OpenCL 1.2")], [first, second], null);

        Assert.Same(first, OpenClDevices.Select(new DeviceRequest(DeviceKind.OpenCl, 0, 0), discovery));
        Assert.Same(second, OpenClDevices.Select(new DeviceRequest(DeviceKind.OpenCl, 1, 0), discovery));
    }

    [Fact]
    public void A_missing_platform_lists_the_platforms()
    {
        var discovery = new OpenClDiscovery([Pocl], [OpenClTestDevice.Fake(0, 0, "cpu", gpu: false)], null);

        var error = Assert.Throws<ConfigException>(() => OpenClDevices.Select(new DeviceRequest(DeviceKind.OpenCl, 1, 0), discovery));

        Assert.Equal("Device = 'opencl:1:0': there is no platform 1 (platforms: 0 Portable Computing Language)", error.Message);
    }

    [Fact]
    public void A_missing_device_lists_the_platforms_devices()
    {
        var discovery = new OpenClDiscovery([Pocl], [OpenClTestDevice.Fake(0, 0, "cpu", gpu: false), OpenClTestDevice.Fake(0, 1, "gpu", gpu: true)], null);

        var error = Assert.Throws<ConfigException>(() => OpenClDevices.Select(new DeviceRequest(DeviceKind.OpenCl, 0, 5), discovery));

        Assert.Equal("Device = 'opencl:0:5': platform 0 (Portable Computing Language) has no device 5 (devices: 0 cpu, 1 gpu)", error.Message);
    }

    [Fact]
    public void An_unusable_device_says_why()
    {
        var discovery = new OpenClDiscovery([Pocl], [OpenClTestDevice.Fake(0, 0, "tiny", gpu: true, unusable: "8 KiB of local memory is below 16 KiB")], null);

        var error = Assert.Throws<ConfigException>(() => OpenClDevices.Select(new DeviceRequest(DeviceKind.OpenCl, 0, 0), discovery));

        Assert.Equal("Device = 'opencl:0:0': tiny (Portable Computing Language) cannot run the kernels: 8 KiB of local memory is below 16 KiB",
            error.Message);
    }

    [Fact]
    public void The_real_selection_rejects_a_platform_that_does_not_exist()
    {
        OpenClTestDevice.AssertOneLine(() => OpenClDevices.Select(new DeviceRequest(DeviceKind.OpenCl, 99, 0)), "Device = 'opencl:99:0'",
            OpenClDevices.LoaderProblem ?? "there is no platform 99 (platforms: 0 ");
    }

    [Fact]
    public void Auto_falls_back_to_the_cpu_and_says_why()
    {
        var cpuOnly = new OpenClDiscovery([Pocl], [OpenClTestDevice.Fake(0, 0, "pthread", gpu: false)], null);

        (IAccelerator accelerator, string choice) = AcceleratorFactory.Auto(NoCuda, cpuOnly);
        using (accelerator)
        {
            Assert.IsType<CpuAccelerator>(accelerator);
            Assert.Equal("auto picked cpu: no usable OpenCL GPU (opencl:0:0 pthread (Portable Computing Language): not a GPU); " +
                $"no CUDA: {CudaDevices.DriverMissing}", choice);
        }
        (IAccelerator missing, string why) = AcceleratorFactory.Auto(NoCuda, OpenClDiscovery.Missing(OpenClDevices.LoaderMissing));
        missing.Dispose();
        Assert.Equal($"auto picked cpu: {OpenClDevices.LoaderMissing}; no CUDA: {CudaDevices.DriverMissing}", why);
    }

    private static CudaDiscovery NoCuda => CudaDiscovery.Missing(CudaDevices.DriverMissing);

    [Fact]
    public void Auto_passes_over_a_cuda_device_without_nvrtc_and_says_why()
    {
        var device = new CudaDeviceInfo(0, 0, "NVIDIA Fake", 9, 0, 132, 80UL << 30, 1024);
        var noNvrtc = new CudaDiscovery(12040, [device], null, new NvrtcLoad(null, "NVRTC (libnvrtc) not found: looked nowhere"));

        (IAccelerator accelerator, string choice) = AcceleratorFactory.Auto(noNvrtc, OpenClDiscovery.Missing(OpenClDevices.LoaderMissing));
        using (accelerator)
        {
            Assert.IsType<CpuAccelerator>(accelerator);
            Assert.Equal($"auto picked cpu: {OpenClDevices.LoaderMissing}; no CUDA: NVRTC (libnvrtc) not found: looked nowhere", choice);
        }
    }

    [Fact]
    public void An_explicit_OpenCl_device_is_created_as_asked()
    {
        OpenClDeviceInfo device = OpenClTestDevice.Require();

        (IAccelerator accelerator, string choice) = AcceleratorFactory.Create(DeviceRequest.Parse(device.Request));
        using (accelerator)
        {
            OpenClAccelerator openCl = Assert.IsType<OpenClAccelerator>(accelerator);
            using DeviceBuffer<float> buffer = openCl.Allocate<float>(3);
            Assert.Same(openCl, buffer.Owner);
            Assert.Equal($"opencl: {device.DeviceName} ({device.PlatformName}), as asked", choice);
        }
    }
}
