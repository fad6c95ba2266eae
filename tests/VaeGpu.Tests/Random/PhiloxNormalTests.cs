using VaeGpu.Kernels;
using VaeGpu.Random;

namespace VaeGpu.Tests.Random;

public class PhiloxNormalTests
{
    private const ulong Seed = 0x0123_4567_89AB_CDEFUL;

    [Fact]
    public void UniformEndsStayStrictlyInsideTheUnitInterval()
    {
        float smallest = Philox.Uniform(0);
        float largest = Philox.Uniform(uint.MaxValue);

        Assert.True(smallest > 0f);
        Assert.True(largest < 1f);
        Assert.Equal(MathF.ScaleB(1f, -24), smallest);
        Assert.Equal(1f - MathF.ScaleB(1f, -24), largest);
        Assert.True(float.IsFinite(MathF.Log(smallest)));
    }

    [Fact]
    public void UniformUsesTheTopBits()
    {
        Assert.Equal(Philox.Uniform(0), Philox.Uniform(0x1FF));
        Assert.True(Philox.Uniform(0x200) > Philox.Uniform(0x1FF));
        Assert.Equal(0.5f + MathF.ScaleB(1f, -24), Philox.Uniform(0x8000_0000));
    }

    [Fact]
    public void NoiseAtIsBoxMullerOfTheDocumentedPhiloxBlock()
    {
        const uint stream = 7, step = 123_456;
        for (int block = 0; block < 50; block++)
        {
            PhiloxBlock bits = Philox.Compute(new PhiloxBlock((uint)block, step, stream, 0), unchecked((uint)Seed), (uint)(Seed >> 32));
            // Evaluated in double and rounded once (the contract that makes devices agree bit for bit).
            float[] expected =
            [
                (float)(Radius(bits.X) * Math.Cos(Angle(bits.Y))), (float)(Radius(bits.X) * Math.Sin(Angle(bits.Y))),
                (float)(Radius(bits.Z) * Math.Cos(Angle(bits.W))), (float)(Radius(bits.Z) * Math.Sin(Angle(bits.W))),
            ];
            for (int lane = 0; lane < 4; lane++)
                Assert.Equal(expected[lane], PhiloxNormal.NoiseAt(Seed, stream, step, 4 * block + lane));
        }

        static double Radius(uint bits) => Math.Sqrt(-2.0 * Math.Log(((bits >> 9) + 0.5f) * MathF.ScaleB(1f, -23)));
        static double Angle(uint bits) => 2.0 * Math.PI * (((bits >> 9) + 0.5f) * MathF.ScaleB(1f, -23));
    }

    [Fact]
    public void NormalsHaveMeanZeroAndVarianceOne()
    {
        const int count = 1_000_000;
        var values = new float[count];
        PhiloxNormal.FillNormals(values, Seed, stream: 0, step: 0, firstElement: 0);

        double sum = 0, sumSquares = 0, sumFourth = 0;
        int withinOneSigma = 0;
        foreach (float v in values)
        {
            sum += v;
            sumSquares += (double)v * v;
            sumFourth += (double)v * v * v * v;
            if (Math.Abs(v) < 1f)
                withinOneSigma++;
        }

        double mean = sum / count;
        double variance = sumSquares / count - mean * mean;
        // Five standard errors: SE(mean) = 1/√n = 0.001, SE(variance) = √(2/n) ≈ 0.0014,
        // SE(fraction within 1σ) = √(p(1−p)/n) ≈ 0.00047, SE(E[x⁴]) = √((105 − 9)/n) ≈ 0.0098.
        Assert.InRange(mean, -0.005, 0.005);
        Assert.InRange(variance, 1 - 0.0071, 1 + 0.0071);
        Assert.InRange(withinOneSigma / (double)count, 0.682689 - 0.0024, 0.682689 + 0.0024);
        Assert.InRange(sumFourth / count, 3 - 0.049, 3 + 0.049);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(1, 7)]
    [InlineData(3, 2)]
    [InlineData(5, 13)]
    [InlineData(7, 4)]
    [InlineData(2, 0)]
    [InlineData(1001, 333)]
    public void FillNormalsMatchesNoiseAtElementByElement(int firstElement, int length)
    {
        const uint stream = 2, step = 99;
        var filled = new float[length];
        PhiloxNormal.FillNormals(filled, Seed, stream, step, firstElement);

        for (int i = 0; i < length; i++)
            Assert.Equal(PhiloxNormal.NoiseAt(Seed, stream, step, firstElement + i), filled[i]);
    }

    [Fact]
    public void StreamsStepsAndSeedsDrawDifferentNumbers()
    {
        float[] baseline = Fill(Seed, stream: 0, step: 0);

        Assert.NotEqual(baseline, Fill(Seed, stream: 1, step: 0));
        Assert.NotEqual(baseline, Fill(Seed, stream: 0, step: 1));
        Assert.NotEqual(baseline, Fill(Seed + 1, stream: 0, step: 0));
        Assert.NotEqual(Fill(Seed, stream: 1, step: 0), Fill(Seed, stream: 0, step: 1));
        Assert.Equal(baseline, Fill(Seed, stream: 0, step: 0));

        static float[] Fill(ulong seed, uint stream, uint step)
        {
            var values = new float[16];
            PhiloxNormal.FillNormals(values, seed, stream, step, 0);
            return values;
        }
    }

    [Fact]
    public void NegativeElementIndexIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PhiloxNormal.NoiseAt(Seed, 0, 0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PhiloxNormal.FillNormals(new float[1], Seed, 0, 0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PhiloxNormal.FillNormals(new float[2], Seed, 0, 0, int.MaxValue));
    }
}
