using VaeGpu.Kernels;
using VaeGpu.Accelerators.Ilgpu;
using VaeGpu.Configuration;
using VaeGpu.Random;
using VaeGpu.Accelerators;

namespace VaeGpu.Tests.Accelerators.Ilgpu;

/// <summary>
/// An ILGPU device draws the same raw Philox4x32-10 stream as the CPU, bit for bit
/// (ReparameterizeKernels.PhiloxBits); one test per device, skipped visibly where it is absent.
/// </summary>
public sealed class IlgpuPhiloxTests
{
    public static TheoryData<string> Devices =>
        [IlgpuTestDevice.IlgpuCpu.ToString(), IlgpuTestDevice.Cuda.ToString(), IlgpuTestDevice.OpenCl.ToString()];

    [Theory]
    [MemberData(nameof(Devices))]
    public void The_device_stream_is_bit_identical_to_the_cpu_stream(string device)
    {
        DeviceRequest request = DeviceRequest.Parse(device);
        string? skip = IlgpuTestDevice.SkipReason(request);
        Assert.SkipWhen(skip is not null, skip ?? "");
        using IlgpuAccelerator accelerator = IlgpuTestDevice.Create(request);
        foreach (var (seed, step, stream, firstBlock, blocks) in new[]
        {
            (0UL, 0u, 0u, 0u, 1),
            (0x0123456789ABCDEFUL, 7u, 3u, 11u, 257),
            (ulong.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue - 5, 6),
        })
        {
            using var buffer = accelerator.Allocate<uint>(4 * blocks + 2);
            accelerator.Upload<uint>(buffer, Enumerable.Repeat(0xDEADBEEFu, buffer.Length).ToArray());
            accelerator.PhiloxBits(buffer.Slice(1, 4 * blocks), firstBlock, step, stream, seed);
            var bits = new uint[buffer.Length];
            accelerator.Download<uint>(buffer, bits);

            Assert.Equal(0xDEADBEEFu, bits[0]);
            Assert.Equal(0xDEADBEEFu, bits[^1]);
            for (int i = 0; i < blocks; i++)
            {
                PhiloxBlock expected = Philox.Compute(new PhiloxBlock(unchecked(firstBlock + (uint)i), step, stream, 0), seed);
                Assert.Equal(expected, new PhiloxBlock(bits[1 + 4 * i], bits[2 + 4 * i], bits[3 + 4 * i], bits[4 + 4 * i]));
            }
        }
    }
}
