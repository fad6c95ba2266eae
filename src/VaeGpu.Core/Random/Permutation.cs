
namespace VaeGpu.Random;

/// <summary>
/// The training order of an epoch: a Fisher–Yates shuffle driven by
/// PhiloxRandom(seed, <see cref="NoiseStreams.Shuffle"/>, epoch), so that a run resumed from a
/// checkpoint at epoch k sees exactly the order the uninterrupted run would have seen.
/// </summary>
public static class Permutation
{
    public static int[] Shuffled(int count, ulong seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var order = new int[count];
        FillShuffled(order, seed, epoch);
        return order;
    }

    /// <summary>Overwrites <paramref name="destination"/> with a permutation of 0 … Length − 1; reuse one array across epochs.</summary>
    public static void FillShuffled(Span<int> destination, ulong seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        for (int i = 0; i < destination.Length; i++)
            destination[i] = i;

        var random = new PhiloxRandom(seed, NoiseStreams.Shuffle, (uint)epoch);
        for (int i = destination.Length - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (destination[i], destination[j]) = (destination[j], destination[i]);
        }
    }
}
