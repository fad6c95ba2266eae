using VaeGpu.Accelerators;
using VaeGpu.Analysis;
using VaeGpu.Random;

namespace VaeGpu.Tests.Analysis;

public sealed class AnalysisMathTests
{
    [Fact]
    public void Log_weight_is_log_prior_plus_log_likelihood_minus_log_posterior()
    {
        float[] mu = [0.3f, -1.2f, 2f], logVar = [-0.5f, 0.7f, -8f], eps = [1.1f, -0.4f, 0.25f];
        var clamp = new LogVarClamp(-5f, 20f); // the last one is clamped
        float[] z = new float[3];
        double logPrior = 0, logPosterior = 0;
        for (int j = 0; j < 3; j++)
        {
            double lv = clamp.Apply(logVar[j]), sigma = Math.Exp(0.5 * lv);
            z[j] = (float)(mu[j] + sigma * eps[j]);
            logPrior += -0.5 * (z[j] * (double)z[j] + Math.Log(2 * Math.PI));
            double d = (z[j] - mu[j]) / sigma;
            logPosterior += -0.5 * (d * d + lv + Math.Log(2 * Math.PI));
        }
        double expected = -123.5 + logPrior - logPosterior;
        Assert.Equal(expected, ExampleScorer.LogWeight(123.5f, z, eps, logVar, clamp), 1e-3);
    }

    [Fact]
    public void Roc_auc_is_the_probability_that_a_positive_outscores_a_negative()
    {
        Assert.Equal(1.0, AnalysisMath.RocAuc([1, 2, 3, 4], [false, false, true, true]));
        Assert.Equal(0.0, AnalysisMath.RocAuc([1, 2, 3, 4], [true, true, false, false]));
        Assert.Equal(0.5, AnalysisMath.RocAuc([5, 5, 5, 5], [true, false, true, false]));
        // positives 2 and 4 against negatives 1, 3, 4: wins 1 + 2.5 of 6 pairs.
        Assert.Equal(3.5 / 6, AnalysisMath.RocAuc([2, 1, 3, 4, 4], [true, false, false, true, false]), 12);
        Assert.True(double.IsNaN(AnalysisMath.RocAuc([1, 2], [true, true])));
    }

    [Fact]
    public void Normal_quantile_matches_known_values()
    {
        Assert.Equal(0, AnalysisMath.NormalQuantile(0.5), 9);
        Assert.Equal(1.959963985, AnalysisMath.NormalQuantile(0.975), 7);
        Assert.Equal(-2.326347874, AnalysisMath.NormalQuantile(0.01), 7);
        Assert.Throws<ArgumentOutOfRangeException>(() => AnalysisMath.NormalQuantile(1));
    }

    [Fact]
    public void Paths_start_and_end_at_the_endpoints_and_spherical_keeps_interpolated_norms()
    {
        float[] a = [3, 0], b = [0, 1];
        foreach (bool spherical in new[] { false, true })
        {
            float[] path = AnalysisMath.Path(a, b, 5, spherical);
            Assert.Equal(a, path[..2]);
            Assert.Equal(b[0], path[8], 5);
            Assert.Equal(b[1], path[9], 5);
        }
        float[] arc = AnalysisMath.Path(a, b, 3, spherical: true);
        Assert.Equal(2.0, Math.Sqrt(arc[2] * arc[2] + arc[3] * arc[3]), 5); // halfway between norms 3 and 1
        Assert.Equal(arc[2], arc[3], 5); // and halfway in angle
        Assert.Equal([1.5f, 0.5f], AnalysisMath.Path(a, b, 3, spherical: false)[2..4]);
    }

    [Fact]
    public void Salt_and_pepper_replaces_about_p_of_the_pixels_reproducibly()
    {
        float[] image = Enumerable.Repeat(0.5f, 20000).ToArray();
        float[] again = (float[])image.Clone();
        AnalysisMath.SaltAndPepper(image, 0.3f, 7, NoiseStreams.DenoisingNoise, 0);
        AnalysisMath.SaltAndPepper(again, 0.3f, 7, NoiseStreams.DenoisingNoise, 0);
        Assert.Equal(image, again);
        int salt = image.Count(v => v == 1f), pepper = image.Count(v => v == 0f);
        Assert.InRange(salt + pepper, 5600, 6400);
        Assert.InRange(salt, 2600, 3400);
        Assert.Equal(20000, salt + pepper + image.Count(v => v == 0.5f));
    }

    [Fact]
    public void Mean_and_standard_error()
    {
        (double mean, double error) = AnalysisMath.MeanAndError([1, 2, 3, 4]);
        Assert.Equal(2.5, mean);
        Assert.Equal(Math.Sqrt(5.0 / 3 / 4), error, 12);
    }
}
