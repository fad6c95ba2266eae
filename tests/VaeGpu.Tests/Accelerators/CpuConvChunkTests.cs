using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>
/// GEMM v1 on the cpu accelerator multiplies a convolution's materialized im2col rows in chunks (bounded scratch);
/// the op suites' shapes fit in one chunk, so here the chunk is cut to 64 rows and every conv op must give the
/// one-chunk result bit for bit. GEMM v2 packs its lowered operands straight from the images (no chunks, nothing
/// to cut), and must give the same bits as both.
/// </summary>
[Trait("CpuPaths", "all")] // .ci/run runs these again on the AVX2 and the scalar CPU paths
public sealed class CpuConvChunkTests
{
    [Theory]
    [InlineData(8, 2, 9, 9, 5, 4, 2, 1)]
    [InlineData(5, 3, 11, 7, 4, 3, 2, 1)]
    [InlineData(8, 32, 7, 6, 5, 4, 2, 1)] // 32 channels: v2 reads the im2col operand of dw in place
    [InlineData(8, 1, 9, 9, 16, 4, 2, 1)] // 1 channel to 16: v2 convolves directly (NarrowConv)
    [InlineData(3, 3, 13, 11, 8, 3, 2, 1)] // 3 channels to 8, odd sizes, a 3×3 kernel
    public void Conv_ops_in_chunks_of_64_rows_give_the_bits_of_one_chunk(int batch, int channels, int height, int width, int outChannels,
        int kernel, int stride, int padding)
    {
        ConvShape shape = ConvShape.Conv2d(batch, channels, height, width, outChannels, kernel, stride, padding);
        Assert.True(shape.InRows > 64 && shape.OutRows > 64, "the shape must need several chunks");
        using var whole = new CpuAccelerator(threads: 2, gemmVersion: 1);
        using var chunked = new CpuAccelerator(threads: 2, gemmVersion: 1) { ConvChunkFloats = 1 };
        using var lowered = new CpuAccelerator(threads: 2, gemmVersion: 2);
        float[][] expected = Run(whole, shape);
        AssertSameBits(expected, Run(chunked, shape), "v1 in chunks of 64 rows");
        AssertSameBits(expected, Run(lowered, shape), "v2 on lowered operands");
    }

    private static void AssertSameBits(float[][] expected, float[][] actual, string what)
    {
        for (int op = 0; op < expected.Length; op++)
            Assert.True(expected[op].Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual[op].Select(BitConverter.SingleToInt32Bits)),
                $"{what}: output {op} differs");
    }

    private static float[][] Run(CpuAccelerator cpu, ConvShape shape)
    {
        var random = new System.Random(7);
        float[] Values(int length, double scale) => Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();
        var buffers = new List<DeviceBuffer<float>>();
        DeviceSpan<float> Buffer(float[] values)
        {
            DeviceBuffer<float> buffer = cpu.Allocate<float>(values.Length);
            buffers.Add(buffer);
            cpu.Upload<float>(buffer, values);
            return buffer;
        }
        float[] Read(DeviceSpan<float> span)
        {
            var values = new float[span.Length];
            cpu.Download(span, values);
            return values;
        }
        try
        {
            DeviceSpan<float> large = Buffer(Values(shape.InputLength, 1)), small = Buffer(Values(shape.OutputLength, 1));
            DeviceSpan<float> w = Buffer(Values(shape.WeightCount, 0.3)), bSmall = Buffer(Values(shape.OutChannels, 0.3));
            DeviceSpan<float> bLarge = Buffer(Values(shape.InChannels, 0.3));
            DeviceSpan<float> target = Buffer(Values(shape.InputLength, 0.5).Select(v => v + 0.5f).ToArray());
            DeviceSpan<float> y = Buffer(new float[shape.OutputLength]), yT = Buffer(new float[shape.InputLength]);
            DeviceSpan<float> dw = Buffer(new float[shape.WeightCount]), db = Buffer(new float[shape.OutChannels]);
            DeviceSpan<float> dx = Buffer(new float[shape.InputLength]), dxT = Buffer(new float[shape.OutputLength]);
            DeviceSpan<float> nll = Buffer(new float[shape.Batch]), dLogits = Buffer(new float[shape.InputLength]);
            cpu.Conv2dForward(large, w, bSmall, y, shape, Activation.Tanh);
            cpu.ConvTranspose2dForward(small, w, bLarge, yT, shape, Activation.Relu);
            cpu.Conv2dBackward(small, large, w, dw, db, dx, shape, Activation.Tanh);
            float[] conv = [.. Read(y), .. Read(yT), .. Read(dw), .. Read(db), .. Read(dx)];
            DeviceSpan<float> dbT = Buffer(new float[shape.InChannels]);
            cpu.ConvTranspose2dBackward(large, small, w, dw, dbT, dxT, shape, Activation.Relu);
            cpu.ConvTranspose2dElboOutput(small, w, Buffer(Values(shape.InChannels, 0.3)), target, nll, dLogits, shape, Likelihood.Bernoulli, 0.5f);
            return [conv, Read(dw), Read(dbT), Read(dxT), Read(nll), Read(dLogits)];
        }
        finally
        {
            foreach (DeviceBuffer<float> buffer in buffers) buffer.Dispose();
        }
    }
}
