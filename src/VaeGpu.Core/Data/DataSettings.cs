namespace VaeGpu.Data;

public enum DataFormat { Auto, Idx, Csv, Tsv, Parquet, Images }

/// <summary>
/// How to read a data source (the Data:* settings, checked): which format, which table columns are
/// the label, the id and the ignored ones, how images are sized, and how one source is split.
/// </summary>
public sealed record DataSettings(
    DataFormat Format,
    bool Header,
    int SkipRows,
    string? Label,
    string? Id,
    IReadOnlyList<string> Exclude,
    double TestFraction,
    int Width,
    int Height,
    bool Rgb,
    float PixelMax,
    bool Standardize)
{
    /// <summary>The defaults of appsettings.json, for tests and library callers.</summary>
    public static DataSettings Default { get; } = new(DataFormat.Auto, Header: true, SkipRows: 0, Label: null, Id: null,
        Exclude: [], TestFraction: 0.2, Width: 0, Height: 0, Rgb: false, PixelMax: 255f, Standardize: true);

    public bool HasSize => Width > 0 && Height > 0;

    /// <summary>
    /// The feature columns a trained model expects (from its features.json), or null while training:
    /// new data with other columns is refused where its header or first record is read.
    /// </summary>
    public IReadOnlyList<string>? ExpectedFeatures { get; init; }
}
