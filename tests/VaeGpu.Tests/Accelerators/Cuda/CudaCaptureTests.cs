using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Accelerators.Cuda;

namespace VaeGpu.Tests.Accelerators.Cuda;

/// <summary>Ops recorded once as a CUDA graph and replayed: the replays have the ops' effects, in order.</summary>
public sealed class CudaCaptureTests
{
    [Fact]
    public void Captured_ops_replay_n_times_with_their_effect()
    {
        using CudaAccelerator accelerator = CudaTestDevice.Create();
        const int rows = 5, inFeatures = 7, outFeatures = 3, replays = 10;
        float[] x = Values(rows * inFeatures, 1), w = Values(outFeatures * inFeatures, 2), b = Values(outFeatures, 3);
        using DeviceBuffer<uint> counter = accelerator.Allocate<uint>(1);
        using DeviceBuffer<float> dx = accelerator.Allocate<float>(x.Length), dw = accelerator.Allocate<float>(w.Length),
            db = accelerator.Allocate<float>(b.Length), dy = accelerator.Allocate<float>(rows * outFeatures);
        accelerator.Upload<uint>(counter, [0u]);
        accelerator.Upload<float>(dx, x);
        accelerator.Upload<float>(dw, w);
        accelerator.Upload<float>(db, b);
        accelerator.Upload<float>(dy, new float[rows * outFeatures]);

        IStepCapture capture = accelerator;
        capture.BeginCapture();
        accelerator.AdvanceCounter(counter);
        accelerator.LinearForward(dx, dw, db, dy, rows, inFeatures, outFeatures, Activation.Relu);
        using ICapturedOps ops = capture.EndCapture();

        var state = new uint[1];
        var y = new float[rows * outFeatures];
        accelerator.Download<uint>(counter, state);
        accelerator.Download<float>(dy, y);
        Assert.Equal(0u, state[0]); // recorded, not run
        Assert.All(y, v => Assert.Equal(0f, v));

        for (int i = 0; i < replays; i++)
            ops.Replay();
        accelerator.Synchronize();
        accelerator.Download<uint>(counter, state);
        accelerator.Download<float>(dy, y);

        Assert.Equal((uint)replays, state[0]);
        Assert.Equal(CpuLinear(x, w, b, rows, inFeatures, outFeatures), y);
    }

    [Fact]
    public void Host_transfers_are_refused_while_capturing()
    {
        using CudaAccelerator accelerator = CudaTestDevice.Create();
        using DeviceBuffer<uint> counter = accelerator.Allocate<uint>(1);
        accelerator.BeginCapture();
        var error = Assert.Throws<InvalidOperationException>(() => accelerator.Upload<uint>(counter, [1u]));
        Assert.Contains("while capturing", error.Message, StringComparison.Ordinal);
        accelerator.AdvanceCounter(counter);
        using ICapturedOps ops = accelerator.EndCapture();
    }

    private static float[] CpuLinear(float[] x, float[] w, float[] b, int rows, int inFeatures, int outFeatures)
    {
        using var cpu = new CpuAccelerator();
        using DeviceBuffer<float> cx = cpu.Allocate<float>(x.Length), cw = cpu.Allocate<float>(w.Length),
            cb = cpu.Allocate<float>(b.Length), cy = cpu.Allocate<float>(rows * outFeatures);
        cpu.Upload<float>(cx, x);
        cpu.Upload<float>(cw, w);
        cpu.Upload<float>(cb, b);
        cpu.LinearForward(cx, cw, cb, cy, rows, inFeatures, outFeatures, Activation.Relu);
        var y = new float[rows * outFeatures];
        cpu.Download<float>(cy, y);
        return y;
    }

    private static float[] Values(int length, int seed)
    {
        var random = new System.Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }
}
