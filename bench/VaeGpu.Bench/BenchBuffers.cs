using VaeGpu.Accelerators;

namespace VaeGpu.Bench;

/// <summary>Device buffers for the benchmarks: filled with fixed pseudo-random values (never zeros, which some paths shortcut).</summary>
public static class BenchBuffers
{
    /// <summary>A buffer of <paramref name="length"/> values uniform in [low, high), seeded by the length.</summary>
    public static DeviceBuffer<float> Uniform(IAccelerator accelerator, int length, float low, float high)
    {
        var random = new System.Random(length);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = low + (float)random.NextDouble() * (high - low);
        DeviceBuffer<float> buffer = accelerator.Allocate<float>(length);
        accelerator.Upload<float>(buffer, values);
        return buffer;
    }
}
