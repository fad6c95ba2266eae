using System.Runtime.CompilerServices;

namespace VaeGpu.Random;

/// <summary>
/// Standard normal numbers from Philox blocks: the reparameterization noise contract of
/// <see cref="VaeGpu.Accelerators.NoiseSource"/>. Element e of (seed, stream, step) is normal
/// number e % 4 of the block Philox(counter = (e / 4, step, stream, 0), key = seed), the four normals
/// of a block (a, b, c, d) being Box-Muller of (a, b) and of (c, d). GPU kernels implement exactly
/// these formulas, so every accelerator draws the same noise up to the rounding of log/sin/cos.
/// </summary>
public static class PhiloxNormal
{
    /// <summary>2^-23: the spacing of the uniform grid.</summary>
    public const float UniformScale = Kernels.Philox.UniformScale;

    /// <summary>
    /// u = ((bits >> 9) + 0.5f) · 2^-23, in float arithmetic: the midpoints of 2^23 equal cells of
    /// (0, 1), so never 0 (ln 0 = −∞) and never 1. 23 bits rather than 24 because every step here is
    /// exact in float (24-bit midpoints above 0.5 would round up to 1), which makes the result
    /// bit-identical on every device, FMA contraction or not.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToUniform(uint bits) => Kernels.Philox.Uniform(bits);

    /// <summary>
    /// Box-Muller: r = √(−2 ln u(radiusBits)), θ = 2π u(angleBits); (r cos θ, r sin θ), evaluated in
    /// double and rounded once, as the device kernels do (kernels/Philox.cs), so that every accelerator draws the same
    /// floats (a float libm would differ from device to device by an ulp).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BoxMuller(uint radiusBits, uint angleBits, out float cosine, out float sine)
    {
        double radius = Kernels.Philox.Radius(radiusBits);
        double angle = Kernels.Philox.Angle(angleBits);
        cosine = (float)(radius * Math.Cos(angle));
        sine = (float)(radius * Math.Sin(angle));
    }

    /// <summary>The Philox block that holds elements [4·blockIndex, 4·blockIndex + 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt4 Block(ulong seed, uint stream, uint step, uint blockIndex) =>
        Philox4x32.Compute(new UInt4(blockIndex, step, stream, 0), seed);

    /// <summary>Normal number <paramref name="elementIndex"/> of (seed, stream, step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float NoiseAt(ulong seed, uint stream, uint step, int elementIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        UInt4 bits = Block(seed, stream, step, (uint)elementIndex >> 2);
        // Only the Box-Muller pair that holds the element is needed.
        bool secondPair = (elementIndex & 2) != 0;
        BoxMuller(secondPair ? bits.Z : bits.X, secondPair ? bits.W : bits.Y, out float cosine, out float sine);
        return (elementIndex & 1) == 0 ? cosine : sine;
    }

    /// <summary>
    /// destination[i] = NoiseAt(seed, stream, step, firstElement + i), computing each Philox block
    /// once rather than once per element.
    /// </summary>
    public static void FillNormals(Span<float> destination, ulong seed, uint stream, uint step, int firstElement)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstElement);
        if ((long)firstElement + destination.Length > (long)int.MaxValue + 1)
            throw new ArgumentOutOfRangeException(nameof(firstElement), "the elements run past int.MaxValue");

        Span<float> block = stackalloc float[4];
        int written = 0;
        while (written < destination.Length)
        {
            int element = firstElement + written;
            int offset = element & 3;
            UInt4 bits = Block(seed, stream, step, (uint)element >> 2);
            BoxMuller(bits.X, bits.Y, out block[0], out block[1]);
            BoxMuller(bits.Z, bits.W, out block[2], out block[3]);
            int count = Math.Min(4 - offset, destination.Length - written);
            block.Slice(offset, count).CopyTo(destination.Slice(written, count));
            written += count;
        }
    }
}
