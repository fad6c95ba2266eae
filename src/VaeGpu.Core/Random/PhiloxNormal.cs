using System.Runtime.CompilerServices;
using VaeGpu.Kernels;

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
    /// <summary>The Philox block that holds elements [4·blockIndex, 4·blockIndex + 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PhiloxBlock Block(ulong seed, uint stream, uint step, uint blockIndex) =>
        Philox.Compute(new PhiloxBlock(blockIndex, step, stream, 0), seed);

    /// <summary>Normal number <paramref name="elementIndex"/> of (seed, stream, step): kernels/Math/Philox.cs, as the device draws it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float NoiseAt(ulong seed, uint stream, uint step, int elementIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        return Philox.Normal(Block(seed, stream, step, (uint)elementIndex >> 2), (uint)elementIndex & 3u);
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

        int written = 0;
        while (written < destination.Length)
        {
            int element = firstElement + written;
            int offset = element & 3;
            PhiloxBlock bits = Block(seed, stream, step, (uint)element >> 2);
            int count = Math.Min(4 - offset, destination.Length - written);
            for (int lane = offset; lane < offset + count; lane++)
                destination[written + lane - offset] = Philox.Normal(bits, (uint)lane);
            written += count;
        }
    }
}
