using VaeGpu.Accelerators;
using VaeGpu.Random;

namespace VaeGpu.Tests.Accelerators;

/// <summary>
/// A device accelerator draws the same raw Philox4x32-10 stream as the CPU, bit for bit (the
/// philox_bits kernel). A subclass per device accelerator supplies it and skips visibly without it.
/// </summary>
public abstract class KernelPhiloxTests
{
    protected abstract KernelAccelerator CreateAccelerator();

    protected abstract string? SkipReason { get; }

    [Theory]
    [InlineData(0UL, 0u, 0u, 0u, 1)]
    [InlineData(0x0123456789ABCDEFUL, 7u, 3u, 11u, 257)]
    [InlineData(ulong.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue - 5, 6)]
    public void The_device_stream_is_bit_identical_to_the_cpu_stream(ulong seed, uint step, uint stream, uint firstBlock, int blocks)
    {
        Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");
        using KernelAccelerator accelerator = CreateAccelerator();
        using DeviceBuffer<uint> buffer = accelerator.Allocate<uint>(4 * blocks + 2);
        accelerator.Upload<uint>(buffer, Enumerable.Repeat(0xDEADBEEFu, buffer.Length).ToArray());

        accelerator.PhiloxBits(buffer.Slice(1, 4 * blocks), firstBlock, step, stream, seed);
        var bits = new uint[buffer.Length];
        accelerator.Download<uint>(buffer, bits);

        Assert.Equal(0xDEADBEEFu, bits[0]);
        Assert.Equal(0xDEADBEEFu, bits[^1]);
        for (int i = 0; i < blocks; i++)
        {
            UInt4 expected = Philox4x32.Compute(new UInt4(unchecked(firstBlock + (uint)i), step, stream, 0), seed);
            Assert.Equal(expected, new UInt4(bits[1 + 4 * i], bits[2 + 4 * i], bits[3 + 4 * i], bits[4 + 4 * i]));
        }
    }
}
