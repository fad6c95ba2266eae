using VaeGpu.Random;

namespace VaeGpu.Tests.Random;

public class PermutationTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(1000)]
    [InlineData(60_000)]
    public void IsAPermutation(int count)
    {
        int[] order = Permutation.Shuffled(count, seed: 7, epoch: 3);
        Assert.Equal(Enumerable.Range(0, count), order.Order());
    }

    [Fact]
    public void IsDeterministic() =>
        Assert.Equal(Permutation.Shuffled(500, seed: 7, epoch: 3), Permutation.Shuffled(500, seed: 7, epoch: 3));

    [Fact]
    public void DiffersAcrossEpochsAndSeeds()
    {
        int[] baseline = Permutation.Shuffled(500, seed: 7, epoch: 3);
        Assert.NotEqual(baseline, Permutation.Shuffled(500, seed: 7, epoch: 4));
        Assert.NotEqual(baseline, Permutation.Shuffled(500, seed: 8, epoch: 3));
        Assert.NotEqual(Enumerable.Range(0, 500), baseline);
    }

    [Fact]
    public void FillingAnExistingArrayOverwritesItWithTheSameOrder()
    {
        var reused = new int[500];
        Array.Fill(reused, -1);
        Permutation.FillShuffled(reused, seed: 7, epoch: 3);
        Assert.Equal(Permutation.Shuffled(500, seed: 7, epoch: 3), reused);

        Permutation.FillShuffled(reused, seed: 7, epoch: 4);
        Assert.Equal(Permutation.Shuffled(500, seed: 7, epoch: 4), reused);
    }

    [Fact]
    public void AllOrdersOfThreeAreEquallyLikely()
    {
        // Fisher–Yates off by one (j drawn from [0, i) instead of [0, i]) yields only the two cyclic orders.
        const int epochs = 60_000;
        var counts = new Dictionary<string, int>();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            string key = string.Join(',', Permutation.Shuffled(3, seed: 11, epoch));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        Assert.Equal(6, counts.Count);
        double expected = epochs / 6.0, tolerance = 5 * Math.Sqrt(epochs * (1 / 6.0) * (5 / 6.0));
        foreach (int c in counts.Values)
            Assert.InRange(c, expected - tolerance, expected + tolerance);
    }

    [Fact]
    public void NegativeArgumentsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Permutation.Shuffled(-1, 7, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Permutation.Shuffled(5, 7, -1));
    }
}
