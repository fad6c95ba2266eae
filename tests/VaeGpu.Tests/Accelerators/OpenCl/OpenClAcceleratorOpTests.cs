using VaeGpu.Accelerators;
using VaeGpu.Accelerators.OpenCl;
using VaeGpu.Random;

namespace VaeGpu.Tests.Accelerators.OpenCl;

/// <summary>Every op on OpenCL against the float64 reference (the shared suite), skipped visibly without a device.</summary>
public sealed class OpenClAcceleratorOpTests : AcceleratorOpTests
{
    protected override IAccelerator CreateAccelerator() => OpenClTestDevice.Create();

    protected override string? SkipReason => OpenClTestDevice.SkipReasonOrNull;

    /// <summary>
    /// OpenCL's log, sin and cos may round differently from .NET's (the spec allows a few ulps), so
    /// the normals may differ by a few ulps of their size; the raw Philox words may not (see below).
    /// </summary>
    protected override double NoiseTolerance => 16 * Eps32;
}

/// <summary>The device draws the same raw Philox4x32-10 stream as the CPU, bit for bit.</summary>
public sealed class OpenClPhiloxTests
{
    [Theory]
    [InlineData(0UL, 0u, 0u, 0u, 1)]
    [InlineData(0x0123456789ABCDEFUL, 7u, 3u, 11u, 257)]
    [InlineData(ulong.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue - 5, 6)]
    public void The_device_stream_is_bit_identical_to_the_cpu_stream(ulong seed, uint step, uint stream, uint firstBlock, int blocks)
    {
        using OpenClAccelerator accelerator = OpenClTestDevice.Create();
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

/// <summary>200 training steps on OpenCL against the CPU accelerator.</summary>
public sealed class OpenClTrainingTests : CrossAcceleratorTrainingTests
{
    protected override IAccelerator CreateAccelerator() => OpenClTestDevice.Create();

    protected override string? SkipReason => OpenClTestDevice.SkipReasonOrNull;
}
