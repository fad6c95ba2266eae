using ILGPU;
using ILGPU.Runtime;

namespace VaeGpu.Kernels;

/// <summary>
/// Adam over the flat parameter buffer in one launch (version 1), one thread per parameter, in
/// PyTorch's formulation with t = counter[0] + 1 read on the device (so a captured step stays valid):
/// m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g², p −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
/// CPU twin: VaeGpu.Accelerators.Cpu.AdamUpdate (the same float operations in the same order).
/// </summary>
public static class AdamKernels
{
    public static void Step(Index1D i, ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v,
        ArrayView<uint> counter, float learningRate, float beta1, float beta2, float epsilon)
    {
        float t = (long)counter[0] + 1L;
        float stepSize = learningRate / ExactMath.OneMinusPower(beta1, t);
        float inverseSqrtCorrection2 = 1f / MathF.Sqrt(ExactMath.OneMinusPower(beta2, t));
        float gradient = g[i];
        float mNew = beta1 * m[i] + (1f - beta1) * gradient;
        float vNew = beta2 * v[i] + (1f - beta2) * gradient * gradient;
        m[i] = mNew;
        v[i] = vNew;
        p[i] = p[i] - stepSize * mNew / (MathF.Sqrt(vNew) * inverseSqrtCorrection2 + epsilon);
    }
}

/// <summary>Loads the Adam kernel once per accelerator and launches it on a stream.</summary>
public sealed class AdamLauncher(Accelerator accelerator, LaunchCounter launches)
{
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<uint>, float, float, float, float> _step =
        accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<uint>, float, float, float, float>(AdamKernels.Step);

    public void Step(AcceleratorStream stream, ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v,
        ArrayView<uint> counter, float learningRate, float beta1, float beta2, float epsilon)
    {
        if (p.Length == 0) return;
        launches.Add();
        _step(stream, (int)p.Length, p, g, m, v, counter, learningRate, beta1, beta2, epsilon);
    }
}
