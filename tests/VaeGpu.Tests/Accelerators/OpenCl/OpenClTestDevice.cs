using VaeGpu.Accelerators.OpenCl;
using VaeGpu.Configuration;

namespace VaeGpu.Tests.Accelerators.OpenCl;

/// <summary>The first usable OpenCL device here, or a visible reason why the device tests skip.</summary>
internal static class OpenClTestDevice
{
    public static OpenClDeviceInfo? Device { get; } = OpenClDevices.Discover().FirstOrDefault(d => d.IsUsable);

    public static string SkipReason =>
        OpenClDevices.LoaderProblem is { } problem ? $"no OpenCL here: {problem}"
        : $"no usable OpenCL device ({string.Join("; ", OpenClDevices.Discover().Select(d => $"{d}: {d.UnusableReason}"))})";

    /// <summary>Why the device tests skip, or null when a usable device exists.</summary>
    public static string? SkipReasonOrNull => Device is null ? SkipReason : null;

    /// <summary>An accelerator on the test device (callers skip first when there is none).</summary>
    public static OpenClAccelerator Create() => new(Require());

    /// <summary>Skips the calling test when there is no usable device.</summary>
    public static OpenClDeviceInfo Require()
    {
        Assert.SkipUnless(Device is not null, SkipReason);
        return Device!;
    }

    /// <summary>A fabricated device for selection tests (never touches a driver).</summary>
    public static OpenClDeviceInfo Fake(int platform, int device, string name, bool gpu, string? unusable = null,
        string platformName = "Portable Computing Language") =>
        new(platform, device, platform + 1, 100 + device, platformName, name, "OpenCL 3.0", "OpenCL C 1.2",
            gpu, 2, 1UL << 30, 64 << 10, 1024, unusable);

    /// <summary>Like <see cref="UserErrors.AssertOneLine"/>, for the derived user errors (ConfigException, out of memory, build failure).</summary>
    public static UserInputException AssertOneLine(Action action, string mustName, string mustSay)
    {
        var error = Assert.ThrowsAny<UserInputException>(action);
        Assert.Contains(mustName, error.Message, StringComparison.Ordinal);
        Assert.Contains(mustSay, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain('\r', error.Message);
        return error;
    }
}
