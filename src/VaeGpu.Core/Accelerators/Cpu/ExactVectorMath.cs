using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// kernels/Math/ExactMath.cs and kernels/Math/PixelLoss.cs for vectors: exp and log evaluated in double and
/// rounded once to float (correctly rounded but for ~1 input in 2^29, like the scalar Math.Exp and
/// Math.Log that the device kernels use), and the float operations of the scalar loss in its order, so
/// that a vector lane gives the scalar bits. The JIT never contracts a·b + c into an FMA, so the
/// order written here is the order computed.
/// </summary>
internal static class ExactVectorMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(x);
        return Vector512.Narrow(Vector512.Exp(lower), Vector512.Exp(upper));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(x);
        return Vector256.Narrow(Vector256.Exp(lower), Vector256.Exp(upper));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log(Vector512<float> x)
    {
        (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(x);
        return Vector512.Narrow(Vector512.Log(lower), Vector512.Log(upper));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Log(Vector256<float> x)
    {
        (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(x);
        return Vector256.Narrow(Vector256.Log(lower), Vector256.Log(upper));
    }

    /// <summary>
    /// PixelLoss.Nll for the Bernoulli likelihood: max(l, 0) − l·x + log(1 + e^−|l|) (log1p by its
    /// series below 1e-4, as PixelLoss.LogOnePlus) and the gradient σ(l) − x.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<float> Nll, Vector512<float> Gradient) Bernoulli(Vector512<float> l, Vector512<float> x)
    {
        Vector512<float> one = Vector512<float>.One;
        Vector512<float> e = Exp(-Vector512.Abs(l));
        Vector512<float> onePlus = one + e;
        Vector512<float> sigmoid = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(l, Vector512<float>.Zero), one / onePlus, e / onePlus);
        Vector512<float> log1p = Vector512.ConditionalSelect(Vector512.LessThan(e, Vector512.Create(1e-4f)),
            e * (one - Vector512.Create(0.5f) * e), Log(onePlus));
        return (Vector512.Max(l, Vector512<float>.Zero) - l * x + log1p, sigmoid - x);
    }

    /// <inheritdoc cref="Bernoulli(Vector512{float}, Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> Nll, Vector256<float> Gradient) Bernoulli(Vector256<float> l, Vector256<float> x)
    {
        Vector256<float> one = Vector256<float>.One;
        Vector256<float> e = Exp(-Vector256.Abs(l));
        Vector256<float> onePlus = one + e;
        Vector256<float> sigmoid = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(l, Vector256<float>.Zero), one / onePlus, e / onePlus);
        Vector256<float> log1p = Vector256.ConditionalSelect(Vector256.LessThan(e, Vector256.Create(1e-4f)),
            e * (one - Vector256.Create(0.5f) * e), Log(onePlus));
        return (Vector256.Max(l, Vector256<float>.Zero) - l * x + log1p, sigmoid - x);
    }

    /// <summary>Activations.Apply's sigmoid 1 / (1 + e^−x), e^−x rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Exp(-x));
}
