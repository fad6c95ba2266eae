using System.Runtime.Intrinsics;
using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>One Adam update over a range of the flat parameter buffer, 16 (AVX-512) or 8 floats at a time.</summary>
internal readonly unsafe struct AdamUpdate : IRangeJob
{
    /// <summary>Fewer parameters than this per task cost more in scheduling than they save.</summary>
    public const int MinChunk = 16384;

    private readonly float _beta1, _beta2, _oneMinusBeta1, _oneMinusBeta2, _stepSize, _inverseSqrtCorrection2, _epsilon;
    private readonly float* _parameters, _gradients, _m, _v;

    public AdamUpdate(AdamSettings adam, long step, float* parameters, float* gradients, float* m, float* v)
    {
        // PyTorch's formulation: p −= lr/(1−β1ᵗ) · m / (√v / √(1−β2ᵗ) + ε), with the float
        // arithmetic of kernels/Ops/Adam.cs (so every accelerator takes the same step).
        float correction1 = ExactMath.OneMinusPower(adam.Beta1, step);
        float correction2 = ExactMath.OneMinusPower(adam.Beta2, step);
        _beta1 = adam.Beta1;
        _beta2 = adam.Beta2;
        _oneMinusBeta1 = 1f - adam.Beta1;
        _oneMinusBeta2 = 1f - adam.Beta2;
        _stepSize = adam.LearningRate / correction1;
        _inverseSqrtCorrection2 = 1f / MathF.Sqrt(correction2);
        _epsilon = adam.Epsilon;
        _parameters = parameters;
        _gradients = gradients;
        _m = m;
        _v = v;
    }

    public void Run(int start, int end)
    {
        int i = start;
        // The same operations lane by lane as the narrower loops below, so the widths agree bit for bit.
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<float>.Count <= end; i += Vector512<float>.Count)
            {
                Vector512<float> g = Vector512.Load(_gradients + i);
                Vector512<float> m = Vector512.Create(_beta1) * Vector512.Load(_m + i) + Vector512.Create(_oneMinusBeta1) * g;
                Vector512<float> v = Vector512.Create(_beta2) * Vector512.Load(_v + i) + Vector512.Create(_oneMinusBeta2) * g * g;
                Vector512<float> denominator = Vector512.Sqrt(v) * Vector512.Create(_inverseSqrtCorrection2) + Vector512.Create(_epsilon);
                m.Store(_m + i);
                v.Store(_v + i);
                (Vector512.Load(_parameters + i) - Vector512.Create(_stepSize) * m / denominator).Store(_parameters + i);
            }
        }
        for (; i + Vector256<float>.Count <= end; i += Vector256<float>.Count)
        {
            Vector256<float> g = Vector256.Load(_gradients + i);
            Vector256<float> m = Vector256.Create(_beta1) * Vector256.Load(_m + i) + Vector256.Create(_oneMinusBeta1) * g;
            Vector256<float> v = Vector256.Create(_beta2) * Vector256.Load(_v + i) + Vector256.Create(_oneMinusBeta2) * g * g;
            Vector256<float> denominator = Vector256.Sqrt(v) * Vector256.Create(_inverseSqrtCorrection2) + Vector256.Create(_epsilon);
            m.Store(_m + i);
            v.Store(_v + i);
            (Vector256.Load(_parameters + i) - Vector256.Create(_stepSize) * m / denominator).Store(_parameters + i);
        }
        for (; i < end; i++)
        {
            float g = _gradients[i];
            float m = _beta1 * _m[i] + _oneMinusBeta1 * g;
            float v = _beta2 * _v[i] + _oneMinusBeta2 * g * g;
            _m[i] = m;
            _v[i] = v;
            _parameters[i] -= _stepSize * m / (MathF.Sqrt(v) * _inverseSqrtCorrection2 + _epsilon);
        }
    }
}
