using VaeGpu.Configuration;
using VaeGpu.Accelerators;

namespace VaeGpu.Tests.Configuration;

public sealed class DeviceRequestTests
{
    public static TheoryData<string, DeviceKind, int?, int?, string> Good => new()
    {
        { "auto", DeviceKind.Auto, null, null, "auto" },
        { "cpu", DeviceKind.Cpu, null, null, "cpu" },
        { " CPU ", DeviceKind.Cpu, null, null, "cpu" },
        { "opencl", DeviceKind.OpenCl, null, null, "opencl" },
        { "opencl:1:2", DeviceKind.OpenCl, 1, 2, "opencl:1:2" },
        { "cuda", DeviceKind.Cuda, null, null, "cuda" },
        { "ILGPU-CPU", DeviceKind.IlgpuCpu, null, null, "ilgpu-cpu" },
        { "CUDA:3", DeviceKind.Cuda, null, 3, "cuda:3" },
    };

    [Theory]
    [MemberData(nameof(Good))]
    public void Parses_every_documented_form(string text, DeviceKind kind, int? platform, int? device, string canonical)
    {
        DeviceRequest request = DeviceRequest.Parse(text);

        Assert.Equal(new DeviceRequest(kind, platform, device), request);
        Assert.Equal(canonical, request.ToString());
        Assert.Equal(request, DeviceRequest.Parse(request.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("gpu")]
    [InlineData("cpu:0")]
    [InlineData("auto:1")]
    [InlineData("opencl:1")]
    [InlineData("opencl:0:0:0")]
    [InlineData("opencl:a:0")]
    [InlineData("opencl:0:-1")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("cuda:0:0")]
    [InlineData("ilgpu-cpu:0")]
    public void Rejects_anything_else_naming_the_key_and_value(string text)
    {
        ConfigException error = Assert.Throws<ConfigException>(() => DeviceRequest.Parse(text));

        Assert.Equal("Device", error.Key);
        OptionsAssert.NamesKeyAndValue(error, "Device", text);
    }
}
