using VaeGpu.Accelerators;
using VaeGpu.Tests.Accelerators.Reference;
using VaeGpu.Random;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>GatherRows, GatherBatch and GatherBatchLinearForward (kernels/Ops/Reduce.cs, GatherLinear.cs) against the bytes they read.</summary>
public abstract partial class AcceleratorOpTests
{
    [SuiteTheory]
    [InlineData(1, 1, 1)]
    [InlineData(5, 3, 7)]
    [InlineData(128, 784, 300)]
    [InlineData(33, 13, 10)]
    public void GatherRows_matches_reference(int rows, int rowLength, int imageCount)
    {
        var random = new System.Random(Seed(10, rows, rowLength, imageCount, 0));
        byte[] images = new byte[rowLength * imageCount];
        random.NextBytes(images);
        images[0] = 0;
        images[^1] = 255;
        int[] indices = new int[rows];
        for (int i = 0; i < rows; i++) indices[i] = random.Next(imageCount);
        indices[0] = imageCount - 1;
        if (rows > 1) indices[1] = 0;
        if (rows > 2) indices[2] = indices[1]; // a repeated row

        DeviceBuffer<byte> imageBuffer = Uploaded(images);
        DeviceBuffer<int> indexBuffer = Uploaded<int>([-1, .. indices, -1]);
        DeviceSpan<float> destination = Output(rows * rowLength);
        Accelerator.GatherRows(imageBuffer, indexBuffer.Slice(1, rows), destination, rows, rowLength);

        double[] expected = ReferenceOps.GatherRows(images, indices, rows, rowLength);
        AssertClose("destination", Read(destination), i => expected[i], i => Eps32 * expected[i]);
    }

    [SuiteTheory]
    [InlineData(5, 3, 7, 0, 5)]
    [InlineData(5, 3, 7, 2, 5)]
    [InlineData(5, 3, 7, 3, 2)]   // the short last batch of 17 entries in batches of 5
    [InlineData(128, 784, 300, 1, 128)]
    [InlineData(1, 1, 1, 0, 1)]
    public void GatherBatch_reads_the_batch_at_the_device_cursor(int batchSize, int rowLength, int imageCount, uint cursor, int rows)
    {
        var random = new System.Random(Seed(13, batchSize, rowLength, imageCount, (int)cursor));
        byte[] images = new byte[rowLength * imageCount];
        random.NextBytes(images);
        int orderLength = (int)cursor * batchSize + rows;
        int[] order = Enumerable.Range(0, orderLength).Select(_ => random.Next(imageCount)).ToArray();

        DeviceBuffer<byte> imageBuffer = Uploaded(images);
        DeviceBuffer<int> orderBuffer = Uploaded(order);
        DeviceSpan<uint> counter = Counter(cursor);
        DeviceSpan<float> destination = Output(rows * rowLength);
        Accelerator.GatherBatch(imageBuffer, orderBuffer, counter, batchSize, destination, rows, rowLength);

        int[] indices = order.Skip((int)cursor * batchSize).Take(rows).ToArray();
        double[] expected = ReferenceOps.GatherRows(images, indices, rows, rowLength);
        AssertClose("destination", Read(destination), i => expected[i], i => Eps32 * expected[i]);
        Assert.Equal(cursor, ReadCounter(counter));
    }

    [SuiteTheory]
    [InlineData(5, 3, 7, 7, 3u, 2, Activation.Relu)]         // the short last batch of 17 entries in batches of 5
    [InlineData(1, 1, 1, 1, 0u, 1, Activation.Identity)]
    [InlineData(129, 13, 17, 300, 1u, 129, Activation.Tanh)]
    [InlineData(7, 97, 5, 50, 2u, 7, Activation.LeakyRelu)]
    [InlineData(128, 784, 400, 300, 1u, 128, Activation.Relu)]   // the model's first layer
    public void GatherBatchLinearForward_matches_reference(int batchSize, int inFeatures, int outFeatures, int imageCount, uint cursor,
        int rows, Activation activation)
    {
        var random = new System.Random(Seed(17, batchSize, inFeatures, outFeatures, (int)cursor));
        byte[] images = new byte[inFeatures * imageCount];
        random.NextBytes(images);
        int[] order = Enumerable.Range(0, (int)cursor * batchSize + rows).Select(_ => random.Next(imageCount)).ToArray();
        float[] w = RandomValues(random, outFeatures * inFeatures, 1.0 / Math.Sqrt(inFeatures));
        float[] b = RandomValues(random, outFeatures, 0.5);

        DeviceSpan<float> input = Output(rows * inFeatures), y = Output(rows * outFeatures);
        DeviceSpan<uint> counter = Counter(cursor);
        Accelerator.GatherBatchLinearForward(Uploaded(images), Uploaded(order), counter, batchSize, input, Input(w), Input(b), y,
            rows, inFeatures, outFeatures, activation);

        double[] gathered = ReferenceOps.GatherRows(images, order.Skip((int)cursor * batchSize).Take(rows).ToArray(), rows, inFeatures);
        AssertClose("input", Read(input), i => gathered[i], i => Eps32 * gathered[i]);
        float[] x = gathered.Select(v => (float)v).ToArray();
        var (expected, _, magnitude) = ReferenceOps.LinearForward(x, w, b, rows, inFeatures, outFeatures, activation);
        double elementRtol = activation == Activation.Tanh ? 16 * Eps32 : 2 * Eps32;
        AssertClose("y", Read(y), i => expected[i], i =>
            DotRtol(inFeatures) * magnitude[i] + elementRtol * Math.Abs(expected[i]) + (activation == Activation.Tanh ? 2 * Eps32 : 0) + Tiny);
        Assert.Equal(cursor, ReadCounter(counter));
    }

    [SuiteFact]
    public void GatherBatch_past_the_end_of_the_order_writes_nan_rows()
    {
        const int batchSize = 4, rowLength = 3, imageCount = 5;
        byte[] images = Enumerable.Range(0, rowLength * imageCount).Select(i => (byte)(i * 7)).ToArray();
        int[] order = [4, 3, 2, 1, 0, 4];  // 6 entries: batch 1 has 2 of its 4 rows
        DeviceBuffer<byte> imageBuffer = Uploaded(images);
        DeviceBuffer<int> orderBuffer = Uploaded(order);
        DeviceSpan<float> destination = Output(batchSize * rowLength);

        Accelerator.GatherBatch(imageBuffer, orderBuffer, Counter(1), batchSize, destination, batchSize, rowLength);

        float[] got = Read(destination);
        for (int j = 0; j < rowLength; j++)
        {
            Assert.Equal(images[0 * rowLength + j] / 255f, got[0 * rowLength + j]);
            Assert.Equal(images[4 * rowLength + j] / 255f, got[1 * rowLength + j]);
        }
        Assert.All(got.Skip(2 * rowLength), value => Assert.True(float.IsNaN(value)));
    }

    [SuiteFact]
    public void GatherRows_with_an_index_out_of_range_writes_nan_rows_and_the_others_exactly()
    {
        const int rowLength = 5, imageCount = 4;
        byte[] images = Enumerable.Range(0, rowLength * imageCount).Select(i => (byte)(i * 13)).ToArray();
        int[] indices = [2, -1, imageCount, int.MaxValue, 0];
        DeviceBuffer<byte> imageBuffer = Uploaded(images);
        DeviceBuffer<int> indexBuffer = Uploaded(indices);
        DeviceSpan<float> destination = Output(indices.Length * rowLength);

        Accelerator.GatherRows(imageBuffer, indexBuffer, destination, indices.Length, rowLength);

        float[] got = Read(destination);
        for (int row = 0; row < indices.Length; row++)
        {
            for (int j = 0; j < rowLength; j++)
            {
                float value = got[row * rowLength + j];
                if (indices[row] is >= 0 and < imageCount)
                    Assert.Equal(images[indices[row] * rowLength + j] / 255f, value);
                else
                    Assert.True(float.IsNaN(value), $"row {row} (index {indices[row]}) element {j} is {value}, not NaN");
            }
        }
    }
}
