using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Accelerators.OpenCl;

namespace VaeGpu.Tests.Accelerators.OpenCl;

public sealed class OpenClBufferTests
{
    [Fact]
    public void The_accelerator_names_its_device_and_builds_its_options()
    {
        OpenClDeviceInfo device = OpenClTestDevice.Require();
        using var accelerator = new OpenClAccelerator(device, new KernelTuning(TileM: 32, TileN: 16, TileK: 8, WorkPerThreadM: 2, WorkPerThreadN: 2, ReduceGroup: 64));

        Assert.Equal($"opencl: {device.DeviceName} ({device.PlatformName})", accelerator.Name);
        Assert.Equal("-cl-std=CL1.2 -D TILE_M=32 -D TILE_N=16 -D TILE_K=8 -D WPT_M=2 -D WPT_N=2 -D REDUCE_GROUP=64", accelerator.BuildOptions);
        Assert.Same(device, accelerator.Device);
    }

    [Fact]
    public void Defines_must_be_identifiers() =>
        Assert.Throws<ArgumentException>(() => OpenClAccelerator.Options(new Dictionary<string, int> { ["A -D B"] = 1 }));

    [Fact]
    public void An_unusable_device_is_refused() =>
        Assert.Throws<ArgumentException>(() => new OpenClAccelerator(OpenClTestDevice.Fake(0, 0, "tiny", gpu: true, unusable: "too small")));

    [Fact]
    public void Floats_round_trip_at_offsets() => RoundTrip(i => i * 0.5f - 100f);

    [Fact]
    public void Ints_round_trip_at_offsets() => RoundTrip(i => i * 7919 - 500_000);

    [Fact]
    public void Uints_round_trip_at_offsets() => RoundTrip(i => uint.MaxValue - (uint)i * 3u);

    [Fact]
    public void Bytes_round_trip_at_offsets() => RoundTrip(i => (byte)(i * 31 + 7));

    private static void RoundTrip<T>(Func<int, T> value) where T : unmanaged, IEquatable<T>
    {
        OpenClDeviceInfo device = OpenClTestDevice.Require();
        using var accelerator = new OpenClAccelerator(device);
        const int length = 1003;
        using DeviceBuffer<T> buffer = accelerator.Allocate<T>(length);
        Assert.Equal(length, buffer.Length);
        T[] whole = Enumerable.Range(0, length).Select(value).ToArray();
        accelerator.Upload(buffer, whole);

        // Overwrite an odd window in the middle, then read back pieces at odd offsets.
        T[] window = Enumerable.Range(0, 37).Select(i => value(length + i)).ToArray();
        accelerator.Upload(buffer.Slice(101, 37), window);
        window.CopyTo(whole, 101);
        foreach ((int offset, int count) in new[] { (0, length), (0, 1), (1, 3), (100, 39), (length - 5, 5), (length, 0) })
        {
            var read = new T[count];
            accelerator.Download(buffer.Slice(offset, count), read);
            Assert.Equal(whole.AsSpan(offset, count).ToArray(), read);
        }
        accelerator.Synchronize();
    }

    [Fact]
    public void An_empty_buffer_has_nothing_to_move()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        using DeviceBuffer<float> empty = accelerator.Allocate<float>(0);

        accelerator.Upload(empty, ReadOnlySpan<float>.Empty);
        accelerator.Download(empty, Span<float>.Empty);
        Assert.Equal(0, empty.Length);
    }

    [Fact]
    public void Context_fills_and_copies_inside_the_queue()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        using DeviceBuffer<float> a = accelerator.Allocate<float>(64), b = accelerator.Allocate<float>(64);
        var bufferA = (OpenClBuffer<float>)a;
        var bufferB = (OpenClBuffer<float>)b;

        accelerator.Context.Fill(bufferA, 0, 64, 1.5f);
        accelerator.Context.Fill(bufferA, 10, 5, -2f);
        accelerator.Context.Fill(bufferB, 0, 64, 0f);
        accelerator.Context.Copy(bufferA, 8, bufferB, 1, 10);
        var result = new float[64];
        accelerator.Download(b, result);

        float[] expected = new float[64];
        for (int i = 1; i <= 10; i++)
            expected[i] = i + 7 is >= 10 and < 15 ? -2f : 1.5f;
        Assert.Equal(expected, result);
    }

    [Fact]
    public void Shapes_and_owners_are_checked_before_anything_moves()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        using var cpu = new CpuAccelerator(1);
        using DeviceBuffer<float> buffer = accelerator.Allocate<float>(8);
        using DeviceBuffer<float> cpuBuffer = cpu.Allocate<float>(8);

        var wrongLength = Assert.Throws<ArgumentException>(() => accelerator.Upload(buffer, new float[7]));
        Assert.Equal("Upload: destination has 8 elements, expected 7", wrongLength.Message);
        var foreign = Assert.Throws<ArgumentException>(() => accelerator.Download(cpuBuffer, new float[8]));
        Assert.StartsWith("Download: source belongs to another accelerator (cpu ", foreign.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => accelerator.Upload<float>(default, new float[8]));
    }

    [Fact]
    public void A_disposed_buffer_is_refused_and_disposing_twice_is_harmless()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        DeviceBuffer<int> buffer = accelerator.Allocate<int>(4);
        buffer.Dispose();
        buffer.Dispose();

        Assert.True(buffer.IsDisposed);
        Assert.Equal(0, ((OpenClBuffer<int>)buffer).Handle);
        Assert.ThrowsAny<ObjectDisposedException>(() => accelerator.Upload(buffer, new int[4]));
    }

    [Fact]
    public void Buffers_may_outlive_their_accelerator()
    {
        var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        DeviceBuffer<float> buffer = accelerator.Allocate<float>(16);
        accelerator.Dispose();
        accelerator.Dispose();

        buffer.Dispose(); // clReleaseMemObject after clReleaseContext is valid: the buffer kept its context alive
        Assert.Throws<ObjectDisposedException>(() => accelerator.Allocate<float>(1));
        Assert.Throws<ObjectDisposedException>(accelerator.Synchronize);
    }

    [Fact]
    public void An_allocation_beyond_the_device_limit_is_a_one_line_out_of_memory_error()
    {
        using var accelerator = new OpenClAccelerator(OpenClTestDevice.Require());
        Assert.SkipUnless(accelerator.Context.MaxAllocationBytes < (ulong)int.MaxValue * 8,
            $"the device allows buffers of {accelerator.Context.MaxAllocationBytes} bytes");

        var error = OpenClTestDevice.AssertOneLine(() => accelerator.Allocate<double>(int.MaxValue), "OpenCL device out of memory allocating ",
            "use a smaller --batch-size or model");
        Assert.IsType<OpenClOutOfMemoryException>(error);
    }
}
