using VaeGpu.Kernels;
using VaeGpu.Random;

namespace VaeGpu.Tests.Random;

public class PhiloxRandomTests
{
    private const ulong Seed = 42;

    [Fact]
    public void WordsWalkTheDocumentedCounterSequence()
    {
        var random = new PhiloxRandom(Seed, stream: 3, substream: 9);
        for (uint block = 0; block < 3; block++)
        {
            PhiloxBlock expected = Philox.Compute(new PhiloxBlock(block, 9, 3, 0), Seed);
            Assert.Equal(expected, new PhiloxBlock(random.NextUInt32(), random.NextUInt32(), random.NextUInt32(), random.NextUInt32()));
        }
    }

    [Fact]
    public void SameArgumentsRepeatAndOtherSubstreamsDiffer()
    {
        Assert.Equal(Draw(new PhiloxRandom(Seed, 3, 0)), Draw(new PhiloxRandom(Seed, 3, 0)));
        Assert.NotEqual(Draw(new PhiloxRandom(Seed, 3, 0)), Draw(new PhiloxRandom(Seed, 3, 1)));
        Assert.NotEqual(Draw(new PhiloxRandom(Seed, 3, 0)), Draw(new PhiloxRandom(Seed, 4, 0)));
        Assert.NotEqual(Draw(new PhiloxRandom(Seed, 3, 0)), Draw(new PhiloxRandom(Seed + 1, 3, 0)));

        static uint[] Draw(PhiloxRandom random) => Enumerable.Range(0, 10).Select(_ => random.NextUInt32()).ToArray();
    }

    [Fact]
    public void UniformsStayInRange()
    {
        var random = new PhiloxRandom(Seed, 0, 0);
        double sum = 0;
        const int count = 100_000;
        for (int i = 0; i < count; i++)
        {
            float u = random.NextUniform();
            Assert.InRange(u, float.Epsilon, 1f - MathF.ScaleB(1f, -24));
            float scaled = random.NextUniform(-0.25f, 0.75f);
            Assert.InRange(scaled, -0.25f, 0.75f);
            sum += scaled;
        }

        // Mean 0.25, SE = (1/√12)/√n ≈ 0.00091; five standard errors.
        Assert.InRange(sum / count, 0.25 - 0.0046, 0.25 + 0.0046);
        Assert.Throws<ArgumentException>(() => random.NextUniform(1f, 0f));
        Assert.Throws<ArgumentException>(() => random.NextUniform(0f, float.PositiveInfinity));
    }

    [Fact]
    public void NormalsHaveMeanZeroAndVarianceOne()
    {
        var random = new PhiloxRandom(Seed, 0, 0);
        const int count = 200_000;
        double sum = 0, sumSquares = 0;
        for (int i = 0; i < count; i++)
        {
            double v = random.NextNormal();
            sum += v;
            sumSquares += v * v;
        }

        // Five standard errors: SE(mean) = 1/√n ≈ 0.0022, SE(variance) = √(2/n) ≈ 0.0032.
        Assert.InRange(sum / count, -0.011, 0.011);
        Assert.InRange(sumSquares / count, 1 - 0.016, 1 + 0.016);
    }

    [Fact]
    public void NormalsComeInBoxMullerPairs()
    {
        var random = new PhiloxRandom(Seed, 0, 0);
        PhiloxBlock block = Philox.Compute(new PhiloxBlock(0, 0, 0, 0), Seed);
        float first = Philox.BoxMuller(block.X, block.Y, sine: false), second = Philox.BoxMuller(block.X, block.Y, sine: true);

        Assert.Equal(first, random.NextNormal());
        Assert.Equal(second, random.NextNormal());
        Assert.Equal(block.Z, random.NextUInt32());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(10)]
    public void SmallIntsAreUniformOverTheirRange(int maxExclusive)
    {
        var random = new PhiloxRandom(Seed, 0, 0);
        const int draws = 300_000;
        var counts = new int[maxExclusive];
        for (int i = 0; i < draws; i++)
            counts[random.NextInt(maxExclusive)]++;

        double p = 1.0 / maxExclusive;
        double tolerance = 5 * Math.Sqrt(draws * p * (1 - p)) + 1e-9;
        foreach (int c in counts)
            Assert.InRange(c, draws * p - tolerance, draws * p + tolerance);
    }

    [Fact]
    public void LargeRangeHasNoModuloBias()
    {
        // With n = 1.5e9, 2^32 mod n = 1.29e9: reducing modulo n would make every value below 1.29e9
        // 3/2 times as likely as the rest, so the lower half of [0, n) would get 52.4 % of the draws.
        const int n = 1_500_000_000;
        const int draws = 200_000;
        var random = new PhiloxRandom(Seed, 0, 0);
        int lowerHalf = 0;
        for (int i = 0; i < draws; i++)
        {
            int value = random.NextInt(n);
            Assert.InRange(value, 0, n - 1);
            if (value < n / 2)
                lowerHalf++;
        }

        // SE = 0.5/√n ≈ 0.0011; five standard errors.
        Assert.InRange(lowerHalf / (double)draws, 0.5 - 0.0056, 0.5 + 0.0056);
    }

    [Fact]
    public void NonPositiveRangeIsRejected()
    {
        var random = new PhiloxRandom(Seed, 0, 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => random.NextInt(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => random.NextInt(-5));
    }
}
