using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators.Ilgpu;

/// <summary>
/// Every version of a GEMM family gives the same bits (one FMA per term in the same k-order), and the
/// same bits as the CPU accelerator: version 1 and version 2 of the ILGPU kernels on ilgpu-cpu (each also
/// with the fused step's grouped LinearBackward) and the CPU's GEMM v2, at odd shapes and the model's,
/// compared bit for bit on fresh random inputs.
/// </summary>
public sealed class KernelVersionTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 17, 9)]
    [InlineData(33, 97, 131)]
    [InlineData(130, 70, 45)]
    [InlineData(128, 400, 40)]
    public void Linear_and_elbo_versions_give_identical_bits(int rows, int inFeatures, int outFeatures)
    {
        var random = new System.Random(rows * 7919 + inFeatures * 31 + outFeatures);
        float[] Values(int length, double scale) =>
            Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();
        float[] x = Values(rows * inFeatures, 1), w = Values(outFeatures * inFeatures, 0.2), b = Values(outFeatures, 0.5);
        float[] dy = Values(rows * outFeatures, 1), target = Values(rows * outFeatures, 0.5).Select(Math.Abs).ToArray();

        float[][] results =
        [
            .. Run(new CpuAccelerator(gemmVersion: 2)),
            .. Run(IlgpuTestDevice.Create(IlgpuTestDevice.IlgpuCpu, new KernelVersions(1, 1))),
            .. Run(IlgpuTestDevice.Create(IlgpuTestDevice.IlgpuCpu, new KernelVersions(2, 2))),
            // The fused step's grouped LinearBackward, with each register block.
            .. Run(IlgpuTestDevice.Create(IlgpuTestDevice.IlgpuCpu, new KernelVersions(1, 1, 2))),
            .. Run(IlgpuTestDevice.Create(IlgpuTestDevice.IlgpuCpu, new KernelVersions(2, 2, 2))),
        ];
        const int perAccelerator = 5;
        string[] names = ["y", "dw", "db", "dx", "dLogits"];
        for (int accelerator = 1; accelerator < results.Length / perAccelerator; accelerator++)
            for (int output = 0; output < perAccelerator; output++)
            {
                float[] expected = results[output], actual = results[accelerator * perAccelerator + output];
                int differing = expected.Zip(actual, (e, a) => BitConverter.SingleToInt32Bits(e) != BitConverter.SingleToInt32Bits(a)).Count(d => d);
                Assert.True(differing == 0, $"{names[output]}: {differing} of {expected.Length} values differ from the CPU's (accelerator {accelerator})");
            }

        float[][] Run(IAccelerator accelerator)
        {
            using (accelerator)
            {
                DeviceBuffer<float> Upload(float[] values)
                {
                    DeviceBuffer<float> buffer = accelerator.Allocate<float>(values.Length);
                    accelerator.Upload<float>(buffer, values);
                    return buffer;
                }
                float[] Read(DeviceBuffer<float> buffer)
                {
                    var values = new float[buffer.Length];
                    accelerator.Download<float>(buffer, values);
                    return values;
                }
                using DeviceBuffer<float> xs = Upload(x), ws = Upload(w), bs = Upload(b), dys = Upload(dy), targets = Upload(target);
                using DeviceBuffer<float> y = Upload(new float[rows * outFeatures]), dw = Upload(new float[w.Length]),
                    db = Upload(new float[outFeatures]), dx = Upload(new float[x.Length]),
                    dLogits = Upload(new float[rows * outFeatures]), nll = Upload(new float[rows]);
                accelerator.LinearForward(xs, ws, bs, y, rows, inFeatures, outFeatures, Activation.Relu);
                accelerator.LinearBackward(dys, xs, ws, dw, db, dx, rows, inFeatures, outFeatures, Activation.Tanh);
                accelerator.ElboOutput(xs, ws, bs, targets, nll, dLogits, rows, inFeatures, outFeatures, Likelihood.Bernoulli, 1f / rows);
                return [Read(y), Read(dw), Read(db), Read(dx), Read(dLogits)];
            }
        }
    }
}
