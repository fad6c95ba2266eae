using System.Runtime.CompilerServices;

namespace VaeGpu.Random;

/// <summary>Four 32-bit words: a Philox counter or one block of its output.</summary>
public readonly record struct UInt4(uint X, uint Y, uint Z, uint W);

/// <summary>
/// Philox4x32-10, the counter-based generator of Salmon et al., "Parallel random numbers: as easy
/// as 1, 2, 3" (SC 2011), bit-for-bit as in Random123. Counter-based means any element of any
/// stream can be computed directly, without state, which is what lets CPU and GPU kernels draw the
/// same noise for the same element in any order and on any number of threads.
/// </summary>
public static class Philox4x32
{
    public const uint Multiplier0 = 0xD2511F53;
    public const uint Multiplier1 = 0xCD9E8D57;
    public const uint KeyBump0 = 0x9E3779B9;
    public const uint KeyBump1 = 0xBB67AE85;

    /// <summary>The 64-bit seed is the key: low 32 bits are key0, high 32 bits key1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt4 Compute(UInt4 counter, ulong seed) => Compute(counter, (uint)seed, (uint)(seed >> 32));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt4 Compute(UInt4 counter, uint key0, uint key1)
    {
        uint x = counter.X, y = counter.Y, z = counter.Z, w = counter.W;
        // Written out rather than looped so the JIT keeps all state in registers in per-element kernels.
        Round(ref x, ref y, ref z, ref w, key0, key1);
        Round(ref x, ref y, ref z, ref w, key0 += KeyBump0, key1 += KeyBump1);
        Round(ref x, ref y, ref z, ref w, key0 += KeyBump0, key1 += KeyBump1);
        Round(ref x, ref y, ref z, ref w, key0 += KeyBump0, key1 += KeyBump1);
        Round(ref x, ref y, ref z, ref w, key0 += KeyBump0, key1 += KeyBump1);
        Round(ref x, ref y, ref z, ref w, key0 += KeyBump0, key1 += KeyBump1);
        Round(ref x, ref y, ref z, ref w, key0 += KeyBump0, key1 += KeyBump1);
        Round(ref x, ref y, ref z, ref w, key0 += KeyBump0, key1 += KeyBump1);
        Round(ref x, ref y, ref z, ref w, key0 += KeyBump0, key1 += KeyBump1);
        Round(ref x, ref y, ref z, ref w, key0 += KeyBump0, key1 += KeyBump1);
        return new UInt4(x, y, z, w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref uint x, ref uint y, ref uint z, ref uint w, uint key0, uint key1)
    {
        ulong product0 = (ulong)Multiplier0 * x;
        ulong product1 = (ulong)Multiplier1 * z;
        uint newX = (uint)(product1 >> 32) ^ y ^ key0;
        uint newZ = (uint)(product0 >> 32) ^ w ^ key1;
        y = (uint)product1;
        w = (uint)product0;
        x = newX;
        z = newZ;
    }
}
