using VaeGpu.Accelerators;
using VaeGpu.Tests.Accelerators.Reference;
using VaeGpu.Random;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>Reparameterize, HeadAndReparameterize and ReparameterizeBackward (kernels/Ops/Reparameterize.cs, HeadSample.cs) against ReferenceOps.</summary>
public abstract partial class AcceleratorOpTests
{
    public static TheoryData<int, int, float, uint> ReparameterizeCases => new()
    {
        { 1, 1, 1f, 0u },
        { 2, 3, 1f, 5u },
        { 7, 20, 1f, 12345u },
        { 33, 7, 0.5f, 1u },
        { 128, 20, 1f, 77u },
        { 128, 20, 0f, 3u },
        { 7, 9, 0f, 0u },
    };

    [SuiteTheory]
    [MemberData(nameof(ReparameterizeCases))]
    public void Reparameterize_matches_reference(int rows, int latent, float temperature, uint step)
    {
        var random = new System.Random(Seed(4, rows, latent, (int)step, (int)(temperature * 10)));
        var clamp = new LogVarClamp(-4f, 3f);
        // logvar spread over [−6, 5] so that both ends of the clamp are exercised.
        float[] head = new float[2 * rows * latent];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < latent; j++)
            {
                head[2 * r * latent + j] = (float)(random.NextDouble() * 4 - 2);
                head[(2 * r + 1) * latent + j] = (float)(random.NextDouble() * 11 - 6);
            }
        var noise = new NoiseSource(0xC0FFEE_1234UL, NoiseStreams.TrainNoise, temperature);

        DeviceSpan<float> z = Output(rows * latent), eps = Output(rows * latent), kl = Output(rows);
        DeviceSpan<uint> counter = Counter(step);
        Accelerator.Reparameterize(Input(head), z, eps, kl, rows, latent, clamp, noise, counter);
        float[] gotZ = Read(z);

        AssertSample(head, gotZ, Read(eps), Read(kl), noise, step, rows, latent, clamp);
        if (temperature == 0f)
        {
            for (int i = 0; i < gotZ.Length; i++)
                Assert.Equal(head[2 * (i / latent) * latent + i % latent], gotZ[i]);
        }
        Assert.Equal(step, ReadCounter(counter));
    }

    /// <summary>eps against the reference noise, z and the per-row KL against the reference reparameterization of <paramref name="head"/>.</summary>
    private void AssertSample(float[] head, float[] gotZ, float[] gotEps, float[] gotKl, NoiseSource noise, uint step,
        int rows, int latent, LogVarClamp clamp)
    {
        float[] expectedEps = ReferenceOps.Noise(noise, step, rows, latent);
        AssertClose("eps", gotEps, i => expectedEps[i], i => NoiseTolerance * (1 + Math.Abs(expectedEps[i])));
        var (expectedZ, expectedKl, klMagnitude) = ReferenceOps.Reparameterize(head, gotEps, rows, latent, clamp);
        AssertClose("z", gotZ, i => expectedZ[i], i =>
            8 * Eps32 * (Math.Abs(head[2 * (i / latent) * latent + i % latent]) + Math.Abs(expectedZ[i]) +
                         Math.Exp(1.5) * Math.Abs(gotEps[i])) + Tiny);
        AssertClose("kl", gotKl, i => expectedKl[i], i => 8 * Eps32 * klMagnitude[i] + Tiny);
    }

    [SuiteTheory]
    [InlineData(1, 1, 1, 0u, 0)]
    [InlineData(7, 17, 3, 5u, 0)]
    [InlineData(129, 13, 5, 12345u, 0)]
    [InlineData(33, 97, 9, 1u, 0)]
    [InlineData(128, 400, 20, 77u, 0)]   // the model's head
    [InlineData(64, 400, 20, 77u, 64)]   // its second shard of two
    [InlineData(5, 11, 3, 2u, 37)]       // a shard at an odd row
    public void HeadAndReparameterize_matches_reference(int rows, int inFeatures, int latent, uint step, int firstRow)
    {
        var random = new System.Random(Seed(16, rows, inFeatures, latent, (int)step));
        var clamp = new LogVarClamp(-4f, 3f);
        float[] x = RandomValues(random, rows * inFeatures, 1.0);
        float[] w = RandomValues(random, 2 * latent * inFeatures, 1.0 / Math.Sqrt(inFeatures));
        // Bias spread so that the logvar columns cross both ends of the clamp.
        float[] b = [.. RandomValues(random, latent, 1.0), .. RandomValues(random, latent, 6.0)];
        var noise = new NoiseSource(0xC0FFEE_1234UL, NoiseStreams.TrainNoise, FirstRow: firstRow);

        DeviceSpan<float> head = Output(2 * rows * latent), z = Output(rows * latent), eps = Output(rows * latent), kl = Output(rows);
        Accelerator.HeadAndReparameterize(Input(x), Input(w), Input(b), head, z, eps, kl, rows, inFeatures, latent, clamp, noise,
            Counter(step));
        float[] gotHead = Read(head);

        var (expectedHead, _, magnitude) = ReferenceOps.LinearForward(x, w, b, rows, inFeatures, 2 * latent, Activation.Identity);
        AssertClose("head", gotHead, i => expectedHead[i], i => DotRtol(inFeatures) * magnitude[i] + Tiny);
        AssertSample(gotHead, Read(z), Read(eps), Read(kl), noise, step, rows, latent, clamp);
    }

    [SuiteFact]
    public void Reparameterize_noise_depends_on_seed_stream_and_step()
    {
        const int rows = 4, latent = 5;
        float[] head = new float[2 * rows * latent];
        float[] Draw(ulong seed, uint stream, uint step)
        {
            DeviceSpan<float> z = Output(rows * latent), eps = Output(rows * latent), kl = Output(rows);
            Accelerator.Reparameterize(Input(head), z, eps, kl, rows, latent, new LogVarClamp(-10, 10),
                new NoiseSource(seed, stream), Counter(step));
            return Read(eps);
        }
        float[] baseline = Draw(1, 0, 0);
        Assert.Equal(baseline, Draw(1, 0, 0));
        Assert.NotEqual(baseline, Draw(2, 0, 0));
        Assert.NotEqual(baseline, Draw(1, 1, 0));
        Assert.NotEqual(baseline, Draw(1, 0, 1));
    }

    [SuiteTheory]
    [InlineData(6, 5, 2)]
    [InlineData(128, 20, 64)]
    [InlineData(9, 3, 7)]
    public void Reparameterize_of_a_shard_gives_its_rows_of_the_whole_batch_bit_for_bit(int rows, int latent, int firstRow)
    {
        // Distributed:Shards: a shard samples with FirstRow = its first global row, and must draw what the whole batch draws there.
        var random = new System.Random(Seed(30, rows, latent, firstRow, 0));
        var clamp = new LogVarClamp(-4f, 3f);
        float[] head = RandomValues(random, 2 * rows * latent, 2.0);
        var noise = new NoiseSource(0xC0FFEE_1234UL, NoiseStreams.TrainNoise);
        int shardRows = rows - firstRow;
        float[] shardHead = head[(2 * firstRow * latent)..];
        (float[] Z, float[] Eps, float[] Kl) Draw(float[] input, int count, NoiseSource source, bool fused)
        {
            DeviceSpan<float> z = Output(count * latent), eps = Output(count * latent), kl = Output(count);
            if (fused)
            {
                // The fused head with w = the identity on 2·latent inputs and b = 0 reproduces its input as the head.
                float[] identity = new float[4 * latent * latent];
                for (int i = 0; i < 2 * latent; i++) identity[i * 2 * latent + i] = 1f;
                Accelerator.HeadAndReparameterize(Input(input), Input(identity), Input(new float[2 * latent]), Output(2 * count * latent),
                    z, eps, kl, count, 2 * latent, latent, clamp, source, Counter(9));
            }
            else Accelerator.Reparameterize(Input(input), z, eps, kl, count, latent, clamp, source, Counter(9));
            return (Read(z), Read(eps), Read(kl));
        }
        foreach (bool fused in new[] { false, true })
        {
            var whole = Draw(head, rows, noise, fused);
            var shard = Draw(shardHead, shardRows, noise.AtRow(firstRow), fused);
            Assert.Equal(whole.Eps[(firstRow * latent)..], shard.Eps);
            Assert.Equal(whole.Z[(firstRow * latent)..], shard.Z);
            Assert.Equal(whole.Kl[firstRow..], shard.Kl);
            // Without the offset the shard would draw row 0's noise: the test can tell.
            Assert.NotEqual(whole.Eps[(firstRow * latent)..], Draw(shardHead, shardRows, noise, fused).Eps);
        }
    }

    public static TheoryData<int, int, float, int, uint> ReparameterizeBackwardCases => new()
    {
        { 1, 1, 1f, 0, 0u },
        { 2, 3, 0.5f, 0, 7u },
        { 7, 20, 1f, 10, 3u },     // warm-up: β · 4/10
        { 33, 7, 2f, 100, 250u },  // warm-up over: β
        { 128, 20, 1f, 1000, 0u }, // first step of a long warm-up: β/1000
    };

    [SuiteTheory]
    [MemberData(nameof(ReparameterizeBackwardCases))]
    public void ReparameterizeBackward_matches_reference(int rows, int latent, float beta, int warmup, uint step)
    {
        var random = new System.Random(Seed(5, rows, latent, warmup, (int)step));
        var clamp = new LogVarClamp(-4f, 3f);
        float[] head = new float[2 * rows * latent];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < latent; j++)
            {
                head[2 * r * latent + j] = (float)(random.NextDouble() * 4 - 2);
                head[(2 * r + 1) * latent + j] = (float)(random.NextDouble() * 11 - 6);
            }
        // The clamp's ends themselves are inside it.
        head[latent] = clamp.Min;
        if (rows > 1) head[3 * latent] = clamp.Max;
        float[] dz = RandomValues(random, rows * latent, 1.0);
        float[] eps = RandomValues(random, rows * latent, 2.0);
        var klWeight = new KlWeight(beta, warmup);
        float klScale = 1f / rows;

        DeviceSpan<float> dHead = Output(2 * rows * latent);
        Accelerator.ReparameterizeBackward(Input(dz), Input(head), Input(eps), dHead, rows, latent, clamp, klWeight, klScale,
            Counter(step));
        float[] got = Read(dHead);

        double[] expected = ReferenceOps.ReparameterizeBackward(dz, head, eps, rows, latent, clamp, klWeight, klScale, step);
        double weight = (double)klWeight.At(step) * klScale;
        int outside = 0;
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < latent; j++)
            {
                int muIndex = 2 * r * latent + j, logVarIndex = muIndex + latent, index = r * latent + j;
                double muTolerance = 4 * Eps32 * (Math.Abs(dz[index]) + Math.Abs(weight * head[muIndex])) + Tiny;
                AssertElement("dμ", muIndex, got[muIndex], expected[muIndex], muTolerance);
                if (!clamp.Passes(head[logVarIndex]))
                {
                    outside++;
                    Assert.True(got[logVarIndex] == 0f, $"dlogvar[{logVarIndex}] = {got[logVarIndex]} for logvar {head[logVarIndex]} outside the clamp");
                    continue;
                }
                double variance = Math.Exp(head[logVarIndex]);
                double lvTolerance = 8 * Eps32 * (Math.Abs(dz[index] * 0.5 * Math.Sqrt(variance) * eps[index]) +
                                                  Math.Abs(weight) * 0.5 * (variance + 1)) + Tiny;
                AssertElement("dlogvar", logVarIndex, got[logVarIndex], expected[logVarIndex], lvTolerance);
            }
        }
        if (rows * latent >= 20) Assert.True(outside > 0, "no logvar fell outside the clamp");
    }

    [SuiteTheory]
    [MemberData(nameof(NonFinite))]
    public void Reparameterize_carries_a_non_finite_mean_into_its_element(float bad)
    {
        const int rows = 2, latent = 3;
        float[] head = RandomValues(new System.Random(25), rows * 2 * latent, 0.5);
        head[1 * 2 * latent + 2] = bad; // μ of row 1, element 2
        DeviceSpan<float> z = Output(rows * latent), eps = Output(rows * latent), kl = Output(rows);
        Accelerator.Reparameterize(Input(head), z, eps, kl, rows, latent, new LogVarClamp(-4, 3), new NoiseSource(3, 0), Counter(1));
        float[] zs = Read(z), kls = Read(kl);
        for (int i = 0; i < zs.Length; i++)
            Assert.True(i == 1 * latent + 2 ? !float.IsFinite(zs[i]) : float.IsFinite(zs[i]), $"z[{i}] = {zs[i]}");
        Assert.True(float.IsFinite(kls[0]) && !float.IsFinite(kls[1]), $"kl = {kls[0]}, {kls[1]}");
    }
}
