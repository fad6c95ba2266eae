using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>The op tests on the CPU accelerator with every core.</summary>
[Trait("CpuPaths", "avx2")] // .ci/run runs the op suites again on the AVX2 path (the scalar path: the bit-identity tests only)
public sealed class CpuAcceleratorOpTests : AcceleratorOpTests
{
    protected override IAccelerator CreateAccelerator() => new CpuAccelerator();
}

/// <summary>The op tests on the CPU accelerator with one thread (no task splitting at all).</summary>
[Trait("CpuPaths", "avx2")] // .ci/run runs the op suites again on the AVX2 path (the scalar path: the bit-identity tests only)
public sealed class SingleThreadCpuAcceleratorOpTests : AcceleratorOpTests
{
    protected override IAccelerator CreateAccelerator() => new CpuAccelerator(threads: 1);
}

/// <summary>GEMM version 1 (6×16 Vector256, the first kernel, kept as a reference), every core.</summary>
[Trait("CpuPaths", "avx2")] // .ci/run runs the op suites again on the AVX2 path (the scalar path: the bit-identity tests only)
public sealed class CpuGemm1AcceleratorOpTests : AcceleratorOpTests
{
    protected override IAccelerator CreateAccelerator() => new CpuAccelerator(gemmVersion: 1);
}

/// <summary>GEMM version 1 on one thread.</summary>
public sealed class SingleThreadCpuGemm1AcceleratorOpTests : AcceleratorOpTests
{
    protected override IAccelerator CreateAccelerator() => new CpuAccelerator(threads: 1, gemmVersion: 1);
}

/// <summary>GEMM version 2 (8×32 Vector512 where there is AVX-512), asked for by number.</summary>
public sealed class CpuGemm2AcceleratorOpTests : AcceleratorOpTests
{
    protected override IAccelerator CreateAccelerator() => new CpuAccelerator(gemmVersion: 2);
}

/// <summary>GEMM version 2 with three threads: uneven splits, more workers than cores.</summary>
[Trait("CpuPaths", "avx2")] // .ci/run runs the op suites again on the AVX2 path (the scalar path: the bit-identity tests only)
public sealed class ThreeThreadCpuGemm2AcceleratorOpTests : AcceleratorOpTests
{
    protected override IAccelerator CreateAccelerator() => new CpuAccelerator(threads: 3, gemmVersion: 2);
}

/// <summary>
/// The CPU accelerator's promise: results are bit-identical for any thread count and GEMM version (disjoint
/// output blocks, every sum in order from its first term, one FMA per term).
/// </summary>
[Trait("CpuPaths", "all")] // .ci/run runs these again on the AVX2 and the scalar CPU paths
public sealed class CpuThreadDeterminismTests
{
    [Theory]
    [InlineData(128, 400, 784, Activation.Relu)]
    [InlineData(128, 784, 400, Activation.Tanh)]
    [InlineData(33, 97, 131, Activation.LeakyRelu)]
    [InlineData(7, 200, 300, Activation.Sigmoid)]
    [InlineData(13, 20, 400, Activation.Identity)]
    [InlineData(2, 17, 9, Activation.Tanh)]
    // Reductions past GEMM v2's block of 512 terms (forward k = 1100, dw k = 1500): the sums carried across blocks.
    [InlineData(1500, 1100, 37, Activation.Relu)]
    public void ForwardBackwardAndElboAreBitIdenticalForOneTwoAndThreeThreads(int rows, int inFeatures, int outFeatures,
        Activation activation)
    {
        float[][] first = CheckThreadDeterminism(rows, inFeatures, outFeatures, activation, 1);
        for (int version = 2; version <= CpuAccelerator.LatestGemmVersion; version++)
        {
            float[][] other = CheckThreadDeterminism(rows, inFeatures, outFeatures, activation, version);
            for (int output = 0; output < first.Length; output++)
                Assert.True(first[output].Select(BitConverter.SingleToInt32Bits).SequenceEqual(other[output].Select(BitConverter.SingleToInt32Bits)),
                    $"output {output} differs between gemm v1 and v{version}");
        }
    }

    /// <summary>Asserts the bits of 1, 2 and 3 threads equal for one GEMM version; returns the outputs.</summary>
    private static float[][] CheckThreadDeterminism(int rows, int inFeatures, int outFeatures, Activation activation, int version)
    {
        var random = new System.Random(rows * 1_000_003 + inFeatures * 1009 + outFeatures * 7 + (int)activation);
        float[] Values(int length, double scale)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
            return values;
        }
        float[] x = Values(rows * inFeatures, 1), w = Values(outFeatures * inFeatures, 0.1), b = Values(outFeatures, 0.5);
        float[] dy = Values(rows * outFeatures, 1);
        float[] target = Values(rows * outFeatures, 0.5).Select(v => v + 0.5f).ToArray();

        float[][] Run(int threads)
        {
            using var accelerator = new CpuAccelerator(threads, version);
            DeviceBuffer<float> Upload(float[] values)
            {
                DeviceBuffer<float> buffer = accelerator.Allocate<float>(values.Length);
                accelerator.Upload<float>(buffer, values);
                return buffer;
            }
            using DeviceBuffer<float> xb = Upload(x), wb = Upload(w), bb = Upload(b), dyb = Upload(dy), tb = Upload(target);
            using DeviceBuffer<float> y = accelerator.Allocate<float>(rows * outFeatures);
            using DeviceBuffer<float> dw = accelerator.Allocate<float>(outFeatures * inFeatures);
            using DeviceBuffer<float> db = accelerator.Allocate<float>(outFeatures);
            using DeviceBuffer<float> dx = accelerator.Allocate<float>(rows * inFeatures);
            using DeviceBuffer<float> nll = accelerator.Allocate<float>(rows);
            using DeviceBuffer<float> dLogits = accelerator.Allocate<float>(rows * outFeatures);
            accelerator.LinearForward(xb, wb, bb, y, rows, inFeatures, outFeatures, activation);
            accelerator.LinearBackward(dyb, xb, wb, dw, db, dx, rows, inFeatures, outFeatures, activation);
            accelerator.ElboOutput(xb, wb, bb, tb, nll, dLogits, rows, inFeatures, outFeatures, Likelihood.Bernoulli, 1f / rows);
            return [.. new[] { y, dw, db, dx, nll, dLogits }.Select(buffer =>
            {
                var host = new float[buffer.Length];
                accelerator.Download<float>(buffer, host);
                return host;
            })];
        }

        float[][] one = Run(1);
        string[] names = ["y", "dw", "db", "dx", "nll", "dLogits"];
        foreach (int threads in new[] { 2, 3 })
        {
            float[][] other = Run(threads);
            for (int output = 0; output < names.Length; output++)
            {
                int[] first = one[output].Select(BitConverter.SingleToInt32Bits).ToArray();
                int[] second = other[output].Select(BitConverter.SingleToInt32Bits).ToArray();
                Assert.True(first.SequenceEqual(second), $"gemm v{version}: {names[output]} differs between 1 and {threads} threads");
            }
        }
        return one;
    }
}

/// <summary>The latest CPU kernels allocate nothing per training step once warmed up (issue 5).</summary>
public sealed class CpuAllocationTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(2, 4)] // a sharded step (Distributed:Shards)
    public void A_training_step_allocates_nothing_on_the_issuing_thread(int threads, int shards)
    {
        var random = new System.Random(5);
        var pixels = new byte[300 * 784];
        random.NextBytes(pixels);
        var images = new VaeGpu.Data.ImageSet(pixels, 300, 28, 28);
        using var accelerator = new CpuAccelerator(threads);
        using var runner = new VaeGpu.Benchmarks.TrainingStepRunner(accelerator,
            VaeGpu.Benchmarks.TrainingStepRunner.DefaultArchitecture(), images, 128, shards: shards);
        runner.Run(20);
        // Steady state: one-time costs (a wait handle's lock created the first time a wait blocks,
        // tiered re-compilation) may land in any window, so the best of three windows must be zero.
        long best = long.MaxValue;
        for (int window = 0; window < 3; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            runner.Run(10);
            best = Math.Min(best, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, best);
    }
}
