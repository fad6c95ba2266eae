using VaeGpu.Data.Images;
using VaeGpu.Data.Tables;
using VaeGpu.Random;

namespace VaeGpu.Data.Sources;

/// <summary>
/// Reads what --data (and --test, --input) name: an IDX directory (as before: DataLocator), a CSV,
/// TSV or Parquet table, or an image folder. The format comes from the path unless Data:Format says.
/// One source without a test file is split by Data:TestFraction with the run's seed.
/// </summary>
public static class DataSource
{
    /// <summary>The training and test sets. Tables come back raw: the caller standardizes them.</summary>
    public static DataSplit Load(string? path, string? testPath, DataSettings settings, ulong seed)
    {
        if (path is null || string.Equals(path, DataLocator.EmbeddedKeyword, StringComparison.OrdinalIgnoreCase) ||
            Detect(path, settings.Format, "Data:Dir") == DataFormat.Idx)
        {
            if (testPath is not null)
                throw new ConfigException("Data:Test", testPath, "an IDX directory holds its own test files (t10k-*); Data:Test is for tables and image folders");
            return DataLocator.Resolve(path);
        }

        (ImageSet all, IReadOnlyList<string>? names) = Read(path, settings, "Data:Dir");
        ImageSet train, test;
        if (testPath is not null)
        {
            train = all;
            // The test file is checked against the training file's columns where its header is read.
            (test, IReadOnlyList<string>? testNames) = Read(testPath, settings with { ExpectedFeatures = names }, "Data:Test");
            CheckSameShape(train, names, test, testNames, test.Source, "training data " + train.Source);
        }
        else
        {
            (train, test) = Split(all, settings.TestFraction, seed);
        }
        string what = train.IsTable ? $"records of {train.PixelsPerImage} features"
            : $"images of {train.ImageCols}×{train.ImageRows}{(train.Channels == 3 ? " RGB" : "")}";
        string description = $"{Path.GetFullPath(path)}: {train.Count:N0} train / {test.Count:N0} test {what}" +
            (testPath is null ? $" (test split {settings.TestFraction:0.###} with the run's seed)" : $", test from {Path.GetFullPath(testPath)}") +
            $", labels: {(train.Labels is null ? "no" : "yes")}";
        return new DataSplit(train, test, description, Notice: null, names) { Source = Path.GetFullPath(path) };
    }

    /// <summary>One whole table or image folder (no split): new data to score, or one side of a split.</summary>
    public static (ImageSet Set, IReadOnlyList<string>? FeatureNames) Read(string path, DataSettings settings, string key)
    {
        DataFormat format = Detect(path, settings.Format, key);
        switch (format)
        {
            case DataFormat.Csv or DataFormat.Tsv or DataFormat.Parquet:
                TableData table = format == DataFormat.Parquet
                    ? ParquetTableReader.Read(path, settings)
                    : CsvTableReader.Read(path, format == DataFormat.Tsv ? '\t' : ',', settings);
                ImageSet set = TableExamples.ToExamples(table, settings);
                return (set, set.IsTable ? table.Columns.FeatureNames : null);
            case DataFormat.Images:
                return (ImageFolderReader.Read(path, settings), null);
            default:
                throw new ConfigException(key, path, "an IDX directory cannot be read here; give a table or an image folder");
        }
    }

    /// <summary>The format of <paramref name="path"/>: the configured one, else from the file name or folder contents.</summary>
    public static DataFormat Detect(string path, DataFormat configured, string key)
    {
        string full = Path.GetFullPath(path);
        bool isFolder = Directory.Exists(full);
        if (!isFolder && !File.Exists(full)) throw new UserInputException($"{full}: data directory not found, nor a file of that name ({key})");
        if (configured != DataFormat.Auto) return configured;
        if (isFolder) return DataDirectory.HasRequiredFiles(full) ? DataFormat.Idx : DataFormat.Images;
        string name = full.ToLowerInvariant();
        if (name.EndsWith(".gz", StringComparison.Ordinal)) name = name[..^3];
        return Path.GetExtension(name) switch
        {
            ".csv" or ".txt" => DataFormat.Csv,
            ".tsv" or ".tab" => DataFormat.Tsv,
            ".parquet" or ".pq" => DataFormat.Parquet,
            _ => throw new UserInputException($"{full}: cannot tell the format from the name; set Data:Format (csv, tsv, parquet, images)"),
        };
    }

    /// <summary>
    /// Test = a Data:TestFraction share of the records picked by a Philox permutation of the seed
    /// (epoch 0, which training never uses), so every run with that seed gets the same split; both
    /// sides keep file order.
    /// </summary>
    public static (ImageSet Train, ImageSet Test) Split(ImageSet all, double fraction, ulong seed)
    {
        int testCount = (int)Math.Round(all.Count * fraction, MidpointRounding.AwayFromZero);
        if (testCount < 1 || testCount >= all.Count)
            throw new ConfigException("Data:TestFraction", fraction.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"leaves {testCount} of {all.Count} records for testing; at least 1 must be tested and 1 trained on (or give Data:Test)");
        int[] order = Permutation.Shuffled(all.Count, seed, epoch: 0);
        int[] test = order[..testCount].Order().ToArray();
        int[] train = order[testCount..].Order().ToArray();
        return (all.Subset(train), all.Subset(test));
    }

    /// <summary>Refuses data whose shape differs from what the model was built for, naming the file.</summary>
    public static void CheckSameShape(ImageSet expected, IReadOnlyList<string>? expectedNames, ImageSet found,
        IReadOnlyList<string>? foundNames, string file, string against)
    {
        if (expected.IsTable != found.IsTable)
            throw new UserInputException($"{file}: holds {(found.IsTable ? "a table" : "images")} but {against} is {(expected.IsTable ? "a table" : "images")}");
        if (found.IsTable && expectedNames is not null && foundNames is not null && !expectedNames.SequenceEqual(foundNames))
        {
            if (expectedNames.Count != foundNames.Count)
                throw new UserInputException(
                    $"{file}: line 1: {foundNames.Count} feature columns but {against} has {expectedNames.Count}");
            int k = Enumerable.Range(0, expectedNames.Count).First(i => expectedNames[i] != foundNames[i]);
            throw new UserInputException(
                $"{file}: feature column {k} is '{foundNames[k]}' but {against} has '{expectedNames[k]}' there");
        }
        if (found.PixelsPerImage != expected.PixelsPerImage || found.Channels != expected.Channels)
            throw new UserInputException(
                $"{file}: {Shape(found)} but {against} has {Shape(expected)}");
    }

    private static string Shape(ImageSet set) => set.IsTable ? $"{set.PixelsPerImage} feature columns"
        : $"images of {set.ImageCols}×{set.ImageRows}{(set.Channels == 3 ? " RGB" : "")}";
}
