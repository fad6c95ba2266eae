using System.Runtime.CompilerServices;
using VaeGpu.Configuration;
using VaeGpu.Tests.Accelerators.Ilgpu;
using Xunit.Sdk;
using Xunit.v3;
using VaeGpu.Accelerators;

namespace VaeGpu.Tests.Accelerators;

/// <summary>
/// Marks a test class as needing a device (cuda, opencl). Where the device is absent, the class's
/// <see cref="SuiteFactAttribute"/> and <see cref="SuiteTheoryAttribute"/> tests are not discovered at all,
/// so the run shows one skipped test per absent device, with its reason, instead of a skip line for
/// each of ~270 op cases without one.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresDeviceAttribute(DeviceKind kind) : Attribute
{
    public DeviceKind Kind { get; } = kind;

    /// <summary>Why the device of <paramref name="testClass"/> is absent here, or null (present, or no device needed).</summary>
    public static string? AbsentReason(Type testClass)
    {
        if (testClass.GetCustomAttributes(typeof(RequiresDeviceAttribute), inherit: true).FirstOrDefault() is not RequiresDeviceAttribute attribute)
            return null;
        return IlgpuTestDevice.SkipReason(IlgpuTestDevice.For(attribute.Kind));
    }
}

/// <summary>A [Fact] of a device suite: not discovered where the suite's device is absent.</summary>
[XunitTestCaseDiscoverer(typeof(SuiteFactDiscoverer))]
public sealed class SuiteFactAttribute(
    [CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
    : FactAttribute(sourceFilePath, sourceLineNumber);

/// <summary>A [Theory] of a device suite: not discovered where the suite's device is absent.</summary>
[XunitTestCaseDiscoverer(typeof(SuiteTheoryDiscoverer))]
public sealed class SuiteTheoryAttribute(
    [CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
    : TheoryAttribute(sourceFilePath, sourceLineNumber);

public sealed class SuiteFactDiscoverer : FactDiscoverer
{
    public override ValueTask<IReadOnlyCollection<IXunitTestCase>> Discover(
        ITestFrameworkDiscoveryOptions discoveryOptions, IXunitTestMethod testMethod, IFactAttribute factAttribute) =>
        RequiresDeviceAttribute.AbsentReason(testMethod.TestClass.Class) is null
            ? base.Discover(discoveryOptions, testMethod, factAttribute)
            : new([]);
}

public sealed class SuiteTheoryDiscoverer : TheoryDiscoverer
{
    public override ValueTask<IReadOnlyCollection<IXunitTestCase>> Discover(
        ITestFrameworkDiscoveryOptions discoveryOptions, IXunitTestMethod testMethod, IFactAttribute factAttribute) =>
        RequiresDeviceAttribute.AbsentReason(testMethod.TestClass.Class) is null
            ? base.Discover(discoveryOptions, testMethod, factAttribute)
            : new([]);
}
