using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Selection;

namespace VaeGpu.Tests.Accelerators;

/// <summary>An accelerator carries the --device value that selects it again, as a value rather than a display string to slice.</summary>
public sealed class AcceleratorRequestTests
{
    [Theory]
    [InlineData("cpu", "cpu")]
    [InlineData("ilgpu-cpu", "ilgpu-cpu")]
    [InlineData("auto", "cpu")] // on a machine without CUDA or an OpenCL GPU, which CI is; a GPU machine resolves it to cuda:N
    public void The_request_an_accelerator_reports_selects_it_again(string asked, string resolvedWithoutGpu)
    {
        (IAccelerator accelerator, _) = AcceleratorFactory.Create(DeviceRequest.Parse(asked));
        using (accelerator)
        {
            DeviceRequest request = accelerator.Request;

            Assert.Equal(request, DeviceRequest.Parse(request.ToString()));
            Assert.NotEqual(DeviceKind.Auto, request.Kind);
            if (asked != "auto" || !VaeGpu.Accelerators.Ilgpu.IlgpuDevices.Discovery.Devices.Any(d => d.IsGpu && d.IsUsable))
                Assert.Equal(resolvedWithoutGpu, request.ToString());
        }
    }
}
