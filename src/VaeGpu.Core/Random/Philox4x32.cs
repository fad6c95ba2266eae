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
    public const uint Multiplier0 = Kernels.Philox.Multiplier0;
    public const uint Multiplier1 = Kernels.Philox.Multiplier1;
    public const uint KeyBump0 = Kernels.Philox.KeyBump0;
    public const uint KeyBump1 = Kernels.Philox.KeyBump1;

    /// <summary>The 64-bit seed is the key: low 32 bits are key0, high 32 bits key1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt4 Compute(UInt4 counter, ulong seed) => Compute(counter, (uint)seed, (uint)(seed >> 32));

    /// <summary>kernels/Philox.cs (the device kernels' own generator), for host types.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt4 Compute(UInt4 counter, uint key0, uint key1)
    {
        Kernels.PhiloxBlock block = Kernels.Philox.Compute(new Kernels.PhiloxBlock(counter.X, counter.Y, counter.Z, counter.W), key0, key1);
        return new UInt4(block.X, block.Y, block.Z, block.W);
    }
}
