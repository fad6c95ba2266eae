namespace VaeGpu.Tests.Data;

/// <summary>
/// The real data sets of Debian's python3-sklearn (breast_cancer.csv, digits.csv.gz, iris.csv,
/// wine_data.csv), unpacked by scripts/ci/fetch-sklearn-data.sh into .tools/sklearn/data (CI runs
/// it), or $VAEGPU_SKLEARN_DATA, or an installed python3-sklearn. Tests that need them skip with
/// this reason when they are absent.
/// </summary>
public static class SklearnData
{
    public static string? Folder { get; } = Find();

    public static string Missing =>
        "scikit-learn's data sets are not here: run scripts/ci/fetch-sklearn-data.sh (apt-get download python3-sklearn + dpkg -x) or set VAEGPU_SKLEARN_DATA";

    /// <summary>The path of a data file, or a visible skip when the data is absent.</summary>
    public static string File(string name)
    {
        Assert.SkipUnless(Folder is not null, Missing);
        return Path.Combine(Folder!, name);
    }

    /// <summary>Their first line is metadata (counts and class names), not a header; the label is the last column.</summary>
    public static readonly string[] TableSettings = ["--Data:SkipRows=1", "--Data:Header=false", "--Data:Label=-1"];

    private static string? Find()
    {
        string?[] candidates =
        [
            Environment.GetEnvironmentVariable("VAEGPU_SKLEARN_DATA"),
            Path.Combine(RepositoryRoot.Path, ".tools", "sklearn", "data"),
            "/usr/lib/python3/dist-packages/sklearn/datasets/data",
        ];
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && System.IO.File.Exists(Path.Combine(c, "breast_cancer.csv")));
    }
}
