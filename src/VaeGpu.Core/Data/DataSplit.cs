namespace VaeGpu.Data;

/// <summary>The images to train on and the held-out images to evaluate on, with the same dimensions.</summary>
/// <param name="Description">One line saying where the data came from and how much there is, for the log.</param>
/// <param name="Notice">One line the user should see (e.g. that a fallback copy is in use), or null.</param>
/// <param name="FeatureNames">A table's feature column names, in order; null for images.</param>
public sealed record DataSplit(ImageSet Train, ImageSet Test, string Description, string? Notice,
    IReadOnlyList<string>? FeatureNames = null)
{
    /// <summary>What a run records as its Data:Dir: the data's full path, or "embedded".</summary>
    public string Source { get; init; } = DataLocator.EmbeddedKeyword;
}
