using System.Text.Json;
using System.Text.Json.Serialization;
using VaeGpu.Configuration;
using VaeGpu.Io;

namespace VaeGpu.Analysis;

/// <summary>
/// The distribution of the training set's anomaly scores (−ELBO per record), computed once at the
/// end of training and saved as train-scores.json, so that score --threshold P can flag new records
/// above the P-th percentile without the training data. Stored as the percentiles 0, 0.1, …, 100
/// (linear interpolation between order statistics, numpy's default); other P interpolate between them.
/// </summary>
public sealed record TrainScores(
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("score")] string Score,
    [property: JsonPropertyName("percentiles")] double[] Percentiles)
{
    public const string FileName = "train-scores.json";
    public const int Steps = 1000;

    public static TrainScores From(double[] scores)
    {
        if (scores.Length == 0) throw new ArgumentException("no scores", nameof(scores));
        double[] sorted = scores.Order().ToArray();
        var percentiles = new double[Steps + 1];
        for (int k = 0; k <= Steps; k++) percentiles[k] = Quantile(sorted, (double)k / Steps);
        return new TrainScores(scores.Length, "neg_elbo", percentiles);
    }

    /// <summary>The score at percentile <paramref name="p"/> (0 to 100).</summary>
    public double Threshold(double p)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(p);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(p, 100.0);
        double at = p / 100.0 * Steps;
        int low = Math.Min((int)Math.Floor(at), Steps - 1);
        double t = at - low;
        return Percentiles[low] + t * (Percentiles[low + 1] - Percentiles[low]);
    }

    /// <summary>numpy.percentile's default ("linear"): position q·(n − 1) between order statistics.</summary>
    public static double Quantile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int low = (int)Math.Floor(position);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (position - low) * (sorted[high] - sorted[low]);
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this));

    public static TrainScores Load(string path)
    {
        if (!File.Exists(path))
            throw new UserInputException($"{path}: not found: the run has no stored training scores (train writes them when it finishes), so --threshold cannot be used");
        try
        {
            TrainScores? scores = JsonSerializer.Deserialize<TrainScores>(File.ReadAllText(path));
            if (scores?.Percentiles is not { Length: Steps + 1 }) throw new JsonException("wrong percentile count");
            return scores;
        }
        catch (JsonException e)
        {
            throw new UserInputException($"{path}: not a valid training-scores file ({e.Message.ReplaceLineEndings(" ")})");
        }
    }
}
