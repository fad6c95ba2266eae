using System.Runtime.InteropServices;
using System.Text;
using ILGPU.Backends.OpenCL;
using VaeGpu.Accelerators.Ilgpu;
using VaeGpu.Cli.Devices;
using VaeGpu.Configuration;
using VaeGpu.Accelerators;

namespace VaeGpu.Tests.Accelerators.Ilgpu;

/// <summary>
/// What `devices` says of OpenCL matches what the OpenCL loader itself reports, and a device is judged
/// by ILGPU's own rule. The loader is asked through our own minimal binding of libOpenCL.so.1 below,
/// which is independent of ILGPU's (whose <c>DllImport("OpenCL")</c> once missed Debian's loader).
/// </summary>
public sealed class OpenClDiscoveryTests
{
    [Fact]
    public void Every_device_the_opencl_loader_lists_is_listed_by_devices_with_its_reason()
    {
        List<LoaderDevice>? loader = LoaderDevice.All();
        Assert.SkipWhen(loader is null, $"no OpenCL loader here ({IlgpuDevices.OpenClLoader} not found)");

        IlgpuDiscovery discovery = IlgpuDevices.Discover();
        Assert.Null(discovery.OpenClProblem);
        IlgpuDeviceInfo[] listed = discovery.Devices.Where(d => d.Kind == DeviceKind.OpenCl).ToArray();
        Assert.Equal(loader!.Select(d => d.Name), listed.Select(d => d.Name));
        IReadOnlyList<DeviceStatus> lines = DeviceProbe.Ilgpu(discovery);
        foreach ((LoaderDevice device, IlgpuDeviceInfo info) in loader.Zip(listed))
        {
            DeviceStatus line = Assert.Single(lines, l => l.Name == info.Request.ToString());
            Assert.Equal(info.IsUsable, line.Usable);
            // An OpenCL 3.0 device without the generic address space (PoCL 3.1, NVIDIA's driver) is unusable, and says why.
            if (device.GenericAddressSpace == false)
                Assert.Contains("OpenCL without generic address space", line.Details, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(lines, l => l.Details == "the OpenCL loader lists no device" && loader.Count > 0);
    }

    [Fact]
    public void An_opencl_3_device_is_judged_by_its_cl_std_version_and_generic_address_space()
    {
        // An OpenCL 3.0 device reports OpenCL C 1.2 as CL_DEVICE_OPENCL_C_VERSION; ILGPU compiles for its highest -cl-std.
        Assert.Null(IlgpuDevices.OpenClProblemOf(CLCVersion.CL30, genericAddressSpace: true));
        Assert.Null(IlgpuDevices.OpenClProblemOf(CLCVersion.CL20, genericAddressSpace: true));
        Assert.Equal("OpenCL without generic address space, which ILGPU's OpenCL backend requires",
            IlgpuDevices.OpenClProblemOf(CLCVersion.CL30, genericAddressSpace: false));
        Assert.Contains("requires OpenCL C 2.0 or newer", IlgpuDevices.OpenClProblemOf(CLCVersion.CL12, genericAddressSpace: true),
            StringComparison.Ordinal);
    }

    [Fact]
    public void The_named_opencl_test_device_is_usable_where_one_is_named()
    {
        string? named = Environment.GetEnvironmentVariable(IlgpuTestDevice.OpenClSetting);
        Assert.SkipWhen(string.IsNullOrEmpty(named), $"{IlgpuTestDevice.OpenClSetting} names no OpenCL device here");
        // A named device that cannot be used fails here instead of skipping every OpenCL suite quietly.
        Assert.Null(IlgpuTestDevice.SkipReason(IlgpuTestDevice.OpenCl));
    }

    /// <summary>One device as the OpenCL loader reports it.</summary>
    private sealed record LoaderDevice(string Name, bool? GenericAddressSpace)
    {
        private const uint DeviceTypeAll = 0xFFFFFFFF, DeviceName = 0x102B, DeviceAvailable = 0x1027, GenericAddressSpaceSupport = 0x1069;

        /// <summary>The available devices of every platform, in the loader's order; null without a loader.</summary>
        public static unsafe List<LoaderDevice>? All()
        {
            if (!NativeLibrary.TryLoad(IlgpuDevices.OpenClLoader, out IntPtr library)) return null;
            var getPlatforms = (delegate* unmanaged<uint, IntPtr*, uint*, int>)NativeLibrary.GetExport(library, "clGetPlatformIDs");
            var getDevices = (delegate* unmanaged<IntPtr, ulong, uint, IntPtr*, uint*, int>)NativeLibrary.GetExport(library, "clGetDeviceIDs");
            var getInfo = (delegate* unmanaged<IntPtr, uint, nuint, void*, nuint*, int>)NativeLibrary.GetExport(library, "clGetDeviceInfo");
            var devices = new List<LoaderDevice>();
            IntPtr[] ids = new IntPtr[64];
            byte* name = stackalloc byte[1024];
            uint platformCount = 0;
            if (getPlatforms(0, null, &platformCount) != 0 || platformCount == 0) return devices; // -1001: no ICD installed
            IntPtr* platforms = stackalloc IntPtr[(int)platformCount];
            Assert.Equal(0, getPlatforms(platformCount, platforms, null));
            for (int p = 0; p < platformCount; p++)
            {
                uint count = 0;
                fixed (IntPtr* first = ids)
                    if (getDevices(platforms[p], DeviceTypeAll, (uint)ids.Length, first, &count) != 0) continue;
                for (int d = 0; d < count; d++)
                {
                    uint available = 0;
                    Assert.Equal(0, getInfo(ids[d], DeviceAvailable, sizeof(uint), &available, null));
                    if (available == 0) continue;
                    nuint length = 0;
                    Assert.Equal(0, getInfo(ids[d], DeviceName, 1024, name, &length));
                    uint generic = 0;
                    bool? hasGeneric = getInfo(ids[d], GenericAddressSpaceSupport, sizeof(uint), &generic, null) == 0 ? generic != 0 : null;
                    devices.Add(new LoaderDevice(Encoding.UTF8.GetString(name, (int)length).TrimEnd('\0'), hasGeneric));
                }
            }
            return devices;
        }
    }
}
