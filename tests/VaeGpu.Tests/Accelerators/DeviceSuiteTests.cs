using VaeGpu.Configuration;
using VaeGpu.Tests.Accelerators.Ilgpu;
using VaeGpu.Accelerators;

namespace VaeGpu.Tests.Accelerators;

/// <summary>
/// Keeps `dotnet test` readable (issue 11, item 12): a device suite must carry <see cref="RequiresDeviceAttribute"/>,
/// or an absent device turns each of its ~270 cases into a skip line; and the one skip it shows must say why.
/// </summary>
public sealed class DeviceSuiteTests
{
    private static IEnumerable<Type> DeviceSuites() =>
        typeof(DeviceSuiteTests).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.IsSubclassOf(typeof(AcceleratorOpTests)))
            .Where(t => t.GetProperty("SkipReason", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!
                .DeclaringType != typeof(AcceleratorOpTests));

    [Fact]
    public void Every_op_suite_that_can_skip_is_marked_with_its_device()
    {
        Type[] suites = DeviceSuites().ToArray();
        Assert.Contains(typeof(CudaAcceleratorOpTests), suites);
        Assert.Contains(typeof(OpenClAcceleratorOpTests), suites);
        foreach (Type suite in suites)
            Assert.True(suite.GetCustomAttributes(typeof(RequiresDeviceAttribute), true).Length == 1, $"{suite.Name} lacks [RequiresDevice]");
    }

    [Fact]
    public void An_absent_device_has_a_reason_that_names_it()
    {
        foreach ((Type suite, DeviceRequest device) in new[] { (typeof(CudaAcceleratorOpTests), IlgpuTestDevice.Cuda), (typeof(OpenClAcceleratorOpTests), IlgpuTestDevice.OpenCl) })
        {
            string? reason = RequiresDeviceAttribute.AbsentReason(suite);
            Assert.Equal(IlgpuTestDevice.SkipReason(device), reason);
            if (reason is not null)
                Assert.StartsWith($"no {device} here: ", reason, StringComparison.Ordinal);
        }
        Assert.Null(RequiresDeviceAttribute.AbsentReason(typeof(CpuAcceleratorOpTests)));
    }
}
