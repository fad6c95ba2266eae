using System.Runtime.CompilerServices;

namespace VaeGpu.Kernels;

/// <summary>Four 32-bit words: a Philox counter or one block of its output (device-friendly: plain fields).</summary>
public struct PhiloxBlock
{
    public uint X, Y, Z, W;

    public PhiloxBlock(uint x, uint y, uint z, uint w)
    {
        X = x;
        Y = y;
        Z = z;
        W = w;
    }
}

/// <summary>
/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), bit for bit
/// as in Random123, and the project's normal numbers drawn from it. Counter-based: any element of any
/// stream is computed directly, without state, so every accelerator draws the same noise for the
/// same element in any order and on any number of threads. Integer math only in the generator, so
/// the words match on every device; the normals use double Box-Muller rounded once.
///
/// Element e of (seed, stream, step) is normal number e % 4 of the block
/// Philox(counter = (e / 4, step, stream, 0), key = seed), the block's normals being Box-Muller of
/// words (X, Y) and (Z, W), cosine first.
/// </summary>
public static class Philox
{
    public const uint Multiplier0 = 0xD2511F53;
    public const uint Multiplier1 = 0xCD9E8D57;
    public const uint KeyBump0 = 0x9E3779B9;
    public const uint KeyBump1 = 0xBB67AE85;

    /// <summary>2^-23: the spacing of the uniform grid.</summary>
    public const float UniformScale = 1f / 8388608f;

    public const double TwoPi = 6.283185307179586;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PhiloxBlock Compute(PhiloxBlock c, uint key0, uint key1)
    {
        // Written out rather than looped so that the state stays in registers everywhere.
        c = Round(c, key0, key1);
        c = Round(c, key0 += KeyBump0, key1 += KeyBump1);
        c = Round(c, key0 += KeyBump0, key1 += KeyBump1);
        c = Round(c, key0 += KeyBump0, key1 += KeyBump1);
        c = Round(c, key0 += KeyBump0, key1 += KeyBump1);
        c = Round(c, key0 += KeyBump0, key1 += KeyBump1);
        c = Round(c, key0 += KeyBump0, key1 += KeyBump1);
        c = Round(c, key0 += KeyBump0, key1 += KeyBump1);
        c = Round(c, key0 += KeyBump0, key1 += KeyBump1);
        c = Round(c, key0 += KeyBump0, key1 += KeyBump1);
        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static PhiloxBlock Round(PhiloxBlock c, uint key0, uint key1)
    {
        ulong product0 = (ulong)Multiplier0 * c.X;
        ulong product1 = (ulong)Multiplier1 * c.Z;
        return new PhiloxBlock(
            (uint)(product1 >> 32) ^ c.Y ^ key0,
            (uint)product1,
            (uint)(product0 >> 32) ^ c.W ^ key1,
            (uint)product0);
    }

    /// <summary>The Philox block that holds elements [4·blockIndex, 4·blockIndex + 4) of (seed, stream, step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PhiloxBlock Block(uint seedLow, uint seedHigh, uint stream, uint step, uint blockIndex) =>
        Compute(new PhiloxBlock(blockIndex, step, stream, 0), seedLow, seedHigh);

    /// <summary>
    /// u = ((bits >> 9) + 0.5f) · 2^-23: the midpoints of 2^23 equal cells of (0, 1), never 0 or 1,
    /// and every step exact in float, so the same on every device, contraction or not.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Uniform(uint bits) => ((bits >> 9) + 0.5f) * UniformScale;

    /// <summary>Box-Muller radius √(−2 ln u) in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Radius(uint bits) => Math.Sqrt(-2.0 * Math.Log(Uniform(bits)));

    /// <summary>Box-Muller angle 2π·u in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Angle(uint bits) => TwoPi * Uniform(bits);

    /// <summary>
    /// One Box-Muller normal of a pair of words: r·cos θ (or r·sin θ), r = √(−2 ln u(radiusBits)),
    /// θ = 2π·u(angleBits), in double rounded once. The one place the normals are computed, for the
    /// device kernels and the host alike.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BoxMuller(uint radiusBits, uint angleBits, bool sine)
    {
        double radius = Radius(radiusBits);
        double angle = Angle(angleBits);
        return sine ? (float)(radius * Math.Sin(angle)) : (float)(radius * Math.Cos(angle));
    }

    /// <summary>Normal number <paramref name="lane"/> (0 to 3) of a block: Box-Muller of (X, Y) for lanes 0 and 1, of (Z, W) for 2 and 3, cosine first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Normal(PhiloxBlock r, uint lane)
    {
        bool secondPair = (lane & 2u) != 0;
        return BoxMuller(secondPair ? r.Z : r.X, secondPair ? r.W : r.Y, (lane & 1u) != 0);
    }

    /// <summary>Normal number <paramref name="element"/> of (seed, stream, step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Normal(uint seedLow, uint seedHigh, uint stream, uint step, uint element) =>
        Normal(Block(seedLow, seedHigh, stream, step, element >> 2), element & 3u);

    /// <summary>The 64-bit seed as Philox's key: the low 32 bits are key0, the high 32 bits key1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PhiloxBlock Compute(PhiloxBlock c, ulong seed) => Compute(c, (uint)seed, (uint)(seed >> 32));
}
