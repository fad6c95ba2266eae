using System.Text.Json;
using System.Text.Json.Serialization;
using VaeGpu.Io;

namespace VaeGpu.Data;

/// <summary>
/// What a run must remember about its input to read new data the same way: images (their size) or
/// a table (its feature names, so that a file with other columns is refused, and the per-feature
/// standardization fitted on the training split, x' = (x − mean) / std). Saved as features.json.
/// </summary>
public sealed record FeatureScaling(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("features")] IReadOnlyList<string> Features,
    [property: JsonPropertyName("mean")] double[]? Mean,
    [property: JsonPropertyName("std")] double[]? Std,
    [property: JsonPropertyName("width")] int Width = 0,
    [property: JsonPropertyName("height")] int Height = 0,
    [property: JsonPropertyName("channels")] int Channels = 1)
{
    /// <summary>A run trained before features.json existed: square grey images of the model's input size.</summary>
    public static FeatureScaling SquareImages(int inputSize)
    {
        int side = (int)Math.Round(Math.Sqrt(inputSize));
        return side * side == inputSize ? new("images", [], null, null, side, side) : new("images", [], null, null, inputSize, 1);
    }

    public const string FileName = "features.json";

    // Derived from kind, so not written: features.json keeps one key per fact, all in camelCase (files
    // written before this still carry "IsTable", which reading ignores).
    [JsonIgnore]
    public bool IsTable => Kind == "table";

    /// <summary>Fits mean and standard deviation per feature on <paramref name="train"/>; a constant feature keeps std 1.</summary>
    public static FeatureScaling Fit(ImageSet train, IReadOnlyList<string> names, bool standardize)
    {
        if (!train.IsTable) return new FeatureScaling("images", [], null, null, train.ImageCols, train.ImageRows, train.Channels);
        if (!standardize) return new FeatureScaling("table", names, null, null, train.PixelsPerImage, 1);
        int width = train.PixelsPerImage, n = train.Count;
        float[] x = train.Features!;
        var mean = new double[width];
        var std = new double[width];
        for (int r = 0; r < n; r++)
            for (int j = 0; j < width; j++) mean[j] += x[r * width + j];
        for (int j = 0; j < width; j++) mean[j] /= n;
        for (int r = 0; r < n; r++)
            for (int j = 0; j < width; j++) { double d = x[r * width + j] - mean[j]; std[j] += d * d; }
        for (int j = 0; j < width; j++)
        {
            std[j] = Math.Sqrt(std[j] / n);
            // A constant column carries no information; dividing by ~0 would blow up new data.
            if (!(std[j] > 1e-12)) std[j] = 1;
        }
        return new FeatureScaling("table", names, mean, std, width, 1);
    }

    /// <summary>The set with standardized features (images and unstandardized tables pass through).</summary>
    public ImageSet Apply(ImageSet set)
    {
        if (!set.IsTable || Mean is null || Std is null) return set;
        int width = set.PixelsPerImage;
        float[] x = set.Features!;
        var scaled = new float[x.Length];
        for (int i = 0; i < x.Length; i++) scaled[i] = (float)((x[i] - Mean[i % width]) / Std[i % width]);
        return set.WithFeatures(scaled);
    }

    /// <summary>Standardized values back in the file's units, for written samples and reconstructions.</summary>
    public double Unscale(float value, int feature) => Mean is null || Std is null ? value : value * Std[feature] + Mean[feature];

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public static FeatureScaling Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<FeatureScaling>(File.ReadAllText(path), Json)
                ?? throw new UserInputException($"{path}: empty");
        }
        catch (JsonException e)
        {
            throw new UserInputException($"{path}: not a valid features file ({e.Message.ReplaceLineEndings(" ")})");
        }
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
}
