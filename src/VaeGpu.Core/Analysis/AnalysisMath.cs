using VaeGpu.Random;

namespace VaeGpu.Analysis;

/// <summary>Host-side arithmetic for the analysis verbs: summary statistics, ROC-AUC, quantiles, paths, noise.</summary>
public static class AnalysisMath
{
    /// <summary>The mean and its standard error (sample standard deviation / √n).</summary>
    public static (double Mean, double StandardError) MeanAndError(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n == 0) return (double.NaN, double.NaN);
        double mean = values.Average();
        if (n == 1) return (mean, double.NaN);
        double squares = 0;
        foreach (double v in values) squares += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(squares / (n - 1) / n));
    }

    /// <summary>
    /// The area under the ROC curve for telling positives (higher score expected) from negatives:
    /// the probability that a random positive scores above a random negative, ties counting ½
    /// (the Mann-Whitney U statistic over n₊·n₋). NaN when either class is empty.
    /// </summary>
    public static double RocAuc(IReadOnlyList<double> scores, IReadOnlyList<bool> positive)
    {
        if (scores.Count != positive.Count) throw new ArgumentException("scores and labels differ in length");
        int[] order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double positiveRankSum = 0;
        long positives = 0;
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && scores[order[end + 1]] == scores[order[start]]) end++;
            double rank = (start + end) / 2.0 + 1; // average rank of the tie group, 1-based
            for (int i = start; i <= end; i++)
                if (positive[order[i]]) { positiveRankSum += rank; positives++; }
            start = end + 1;
        }
        long negatives = scores.Count - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>Φ⁻¹(p), the standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9).</summary>
    public static double NormalQuantile(double p)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "must be strictly between 0 and 1");
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double Low = 0.02425;
        if (p < Low)
        {
            double q = Math.Sqrt(-2 * Math.Log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - Low) return -NormalQuantile(1 - p);
        double r = p - 0.5, s = r * r;
        return (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r /
               (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
    }

    /// <summary>
    /// <paramref name="steps"/> points from <paramref name="from"/> to <paramref name="to"/>, ends included:
    /// straight (linear), or along the great circle with the norm interpolated linearly (spherical; linear
    /// when the two are (anti)parallel or zero).
    /// </summary>
    public static float[] Path(ReadOnlySpan<float> from, ReadOnlySpan<float> to, int steps, bool spherical)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        if (from.Length != to.Length) throw new ArgumentException("endpoints differ in length");
        int length = from.Length;
        var points = new float[steps * length];
        double normA = Norm(from), normB = Norm(to), dot = 0;
        for (int j = 0; j < length; j++) dot += (double)from[j] * to[j];
        double cos = normA > 0 && normB > 0 ? Math.Clamp(dot / (normA * normB), -1, 1) : 1;
        double omega = Math.Acos(cos);
        bool great = spherical && Math.Sin(omega) > 1e-6;
        for (int s = 0; s < steps; s++)
        {
            double t = s / (double)(steps - 1);
            for (int j = 0; j < length; j++)
            {
                double value;
                if (great)
                {
                    double wa = Math.Sin((1 - t) * omega) / Math.Sin(omega), wb = Math.Sin(t * omega) / Math.Sin(omega);
                    double direction = wa * from[j] / normA + wb * to[j] / normB;
                    value = ((1 - t) * normA + t * normB) * direction;
                }
                else
                {
                    value = (1 - t) * from[j] + t * to[j];
                }
                points[s * length + j] = (float)value;
            }
        }
        return points;
    }

    /// <summary>
    /// Salt-and-pepper noise: each pixel independently, with probability <paramref name="probability"/>,
    /// becomes 0 or 1 (even odds). Philox host generator (seed, stream, image index), so an image's
    /// noise does not depend on which other images are corrupted with it.
    /// </summary>
    public static void SaltAndPepper(Span<float> image, float probability, ulong seed, uint stream, uint imageIndex)
    {
        var random = new PhiloxRandom(seed, stream, imageIndex);
        for (int i = 0; i < image.Length; i++)
        {
            bool hit = random.NextUniform() < probability;
            bool salt = random.NextUniform() < 0.5f;
            if (hit) image[i] = salt ? 1f : 0f;
        }
    }

    private static double Norm(ReadOnlySpan<float> v)
    {
        double s = 0;
        foreach (float x in v) s += (double)x * x;
        return Math.Sqrt(s);
    }
}
