using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// Vectorized activations and their derivatives (from the output y) over a row, with the bits of
/// kernels/Math/Activations.cs (the device kernels' math): tanh and e^−x evaluated in double and rounded
/// once, as ExactMath does. (TensorPrimitives' float Tanh and Sigmoid differ from it by an ulp, and
/// between its AVX-512, AVX2 and scalar code.)
/// </summary>
internal static class ActivationKernels
{
    public static void ApplyInPlace(Span<float> values, Activation activation)
    {
        switch (activation)
        {
            case Activation.Identity: return;
            case Activation.Relu: TensorPrimitives.Max(values, 0f, values); return;
            case Activation.Tanh: ScalarInPlace(values, 0, activation); return;   // no vector tanh in double: Math.Tanh per element
            case Activation.Sigmoid: SigmoidInPlace(values); return;
            case Activation.LeakyRelu: LeakyReluInPlace(values); return;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, null);
        }
    }

    private static void SigmoidInPlace(Span<float> values)
    {
        int done = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vectors = MemoryMarshal.Cast<float, Vector256<float>>(values);
            for (int i = 0; i < vectors.Length; i++) vectors[i] = ExactVectorMath.Sigmoid(vectors[i]);
            done = vectors.Length * Vector256<float>.Count;
        }
        ScalarInPlace(values, done, Activation.Sigmoid);
    }

    private static void ScalarInPlace(Span<float> values, int from, Activation activation)
    {
        for (int i = from; i < values.Length; i++) values[i] = Activations.Apply(activation, values[i]);
    }

    /// <summary>gradient[i] *= act'(x) written through y[i] = act(x).</summary>
    public static void MultiplyByDerivative(Span<float> gradient, ReadOnlySpan<float> y, Activation activation)
    {
        if (activation == Activation.Identity) return;
        var gradientVectors = MemoryMarshal.Cast<float, Vector256<float>>(gradient);
        var yVectors = MemoryMarshal.Cast<float, Vector256<float>>(y);
        var one = Vector256<float>.One;
        var slope = Vector256.Create(Activations.LeakySlope);
        for (int i = 0; i < gradientVectors.Length; i++)
        {
            Vector256<float> v = yVectors[i];
            Vector256<float> derivative = activation switch
            {
                Activation.Relu => Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), one, Vector256<float>.Zero),
                Activation.LeakyRelu => Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), one, slope),
                Activation.Tanh => one - v * v,
                Activation.Sigmoid => v * (one - v),
                _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
            };
            gradientVectors[i] *= derivative;
        }
        for (int i = gradientVectors.Length * Vector256<float>.Count; i < gradient.Length; i++)
            gradient[i] *= Activations.DerivativeFromOutput(activation, y[i]);
    }

    private static void LeakyReluInPlace(Span<float> values)
    {
        var vectors = MemoryMarshal.Cast<float, Vector256<float>>(values);
        var slope = Vector256.Create(Activations.LeakySlope);
        for (int i = 0; i < vectors.Length; i++)
        {
            Vector256<float> v = vectors[i];
            vectors[i] = Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, v * slope);
        }
        for (int i = vectors.Length * Vector256<float>.Count; i < values.Length; i++)
            values[i] = Activations.Apply(Activation.LeakyRelu, values[i]);
    }
}
