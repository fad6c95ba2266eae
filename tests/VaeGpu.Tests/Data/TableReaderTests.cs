using System.Globalization;
using Parquet.Schema;
using VaeGpu.Configuration;
using VaeGpu.Data;
using VaeGpu.Data.Sources;

namespace VaeGpu.Tests.Data;

/// <summary>The table sources on fresh random tables and on scikit-learn's real files: columns, labels, ids, splits.</summary>
public sealed class TableReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly System.Random _random = new();

    public void Dispose() => _temp.Dispose();

    private float[,] RandomValues(int rows, int cols)
    {
        var values = new float[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) values[r, c] = (float)(_random.NextDouble() * 200 - 100);
        return values;
    }

    [Fact]
    public void Csv_with_skipped_lines_header_label_id_and_excluded_columns_reads_back_every_value()
    {
        int rows = _random.Next(5, 40), cols = _random.Next(2, 6);
        float[,] values = RandomValues(rows, cols);
        var lines = new List<string> { "# exported 2026-11-30", "# units: mm", "when,id," + string.Join(',', Enumerable.Range(0, cols).Select(c => $"x{c}")) + ",kind" };
        string[] kinds = Enumerable.Range(0, rows).Select(_ => _random.Next(2) == 0 ? "normal" : "odd").ToArray();
        for (int r = 0; r < rows; r++)
            lines.Add($"2026-11-{r % 28 + 1},rec{r}," + string.Join(',', Enumerable.Range(0, cols).Select(c => values[r, c].ToString("R", CultureInfo.InvariantCulture))) + "," + kinds[r]);
        string path = _temp.File("t.csv");
        File.WriteAllLines(path, lines);

        DataSettings settings = DataSettings.Default with { SkipRows = 2, Label = "kind", Id = "1", Exclude = ["when"] };
        (ImageSet set, IReadOnlyList<string>? names) = DataSource.Read(path, settings, "Data:Dir");
        Assert.True(set.IsTable);
        Assert.Equal(Enumerable.Range(0, cols).Select(c => $"x{c}"), names!);
        Assert.Equal(rows, set.Count);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) Assert.Equal(values[r, c], set.Features![r * cols + c]);
        Assert.Equal(Enumerable.Range(0, rows).Select(r => $"rec{r}"), set.Ids!);
        Assert.Equal(["normal", "odd"], set.LabelNames!);
        Assert.Equal(kinds.Select(k => k == "normal" ? (byte)0 : (byte)1), set.Labels!);
    }

    [Fact]
    public void Tsv_gzipped_without_header_names_columns_by_position()
    {
        int rows = _random.Next(5, 30), cols = _random.Next(2, 6);
        float[,] values = RandomValues(rows, cols);
        string path = _temp.File("t.tsv.gz");
        using (var gz = new System.IO.Compression.GZipStream(File.Create(path), System.IO.Compression.CompressionLevel.Fastest))
        using (var writer = new StreamWriter(gz))
            for (int r = 0; r < rows; r++)
                writer.WriteLine(string.Join('\t', Enumerable.Range(0, cols).Select(c => values[r, c].ToString("R", CultureInfo.InvariantCulture))) + "\t" + (r % 3));
        (ImageSet set, IReadOnlyList<string>? names) = DataSource.Read(path, DataSettings.Default with { Header = false, Label = "-1" }, "Data:Dir");
        Assert.Equal(Enumerable.Range(0, cols).Select(c => c.ToString(CultureInfo.InvariantCulture)), names!);
        Assert.Equal(values[rows - 1, cols - 1], set.Features![^1]);
        Assert.Equal(Enumerable.Range(0, rows).Select(r => (byte)(r % 3)), set.Labels!);
        Assert.Null(set.LabelNames);
    }

    [Fact]
    public void Csv_blank_lines_are_skipped_and_a_repeated_header_name_is_an_error()
    {
        string path = _temp.File("blank.csv");
        File.WriteAllText(path, "a,b\n1,2\n\n3,4\n\n");
        (ImageSet set, _) = DataSource.Read(path, DataSettings.Default, "Data:Dir");
        Assert.Equal([1f, 2f, 3f, 4f], set.Features!);

        File.WriteAllText(path, "x,y,x\n1,2,3\n");
        UserErrors.AssertOneLine(() => DataSource.Read(path, DataSettings.Default, "Data:Dir"), path, "line 1 (header)");
    }

    [Fact]
    public async Task Parquet_written_by_parquet_net_reads_back_every_value()
    {
        int rows = _random.Next(5, 50);
        double[] a = Enumerable.Range(0, rows).Select(_ => _random.NextDouble() * 10).ToArray();
        int[] b = Enumerable.Range(0, rows).Select(_ => _random.Next(-1000, 1000)).ToArray();
        float[] c = Enumerable.Range(0, rows).Select(_ => (float)_random.NextDouble()).ToArray();
        string[] label = Enumerable.Range(0, rows).Select(_ => _random.Next(2) == 0 ? "cat" : "dog").ToArray();
        string path = _temp.File("t.parquet");
        await ParquetFiles.WriteAsync(path, (new DataField<double>("a"), a), (new DataField<string>("animal"), label),
            (new DataField<int>("b"), b), (new DataField<float>("c"), c));

        (ImageSet set, IReadOnlyList<string>? names) = DataSource.Read(path, DataSettings.Default with { Label = "animal" }, "Data:Dir");
        Assert.Equal(["a", "b", "c"], names!);
        for (int r = 0; r < rows; r++)
        {
            Assert.Equal((float)a[r], set.Features![r * 3]);
            Assert.Equal(b[r], set.Features[r * 3 + 1]);
            Assert.Equal(c[r], set.Features[r * 3 + 2]);
            Assert.Equal(label[r] == "cat" ? 0 : 1, set.Labels![r]);
        }
    }

    [Fact]
    public async Task Parquet_null_cell_names_the_row_and_column()
    {
        double?[] values = Enumerable.Range(0, 10).Select(i => (double?)i).ToArray();
        int row = _random.Next(10);
        values[row] = null;
        string path = _temp.File("nulls.parquet");
        await ParquetFiles.WriteAsync(path, (new DataField<double?>("v"), values));
        UserErrors.AssertOneLine(() => DataSource.Read(path, DataSettings.Default, "Data:Dir"), path, $"row {row + 1}, column 0 ('v')");
    }

    [Fact]
    public void Corrupt_parquet_file_is_named()
    {
        string path = _temp.File("broken.parquet");
        File.WriteAllBytes(path, [.. "PAR1"u8, .. Enumerable.Range(0, 200).Select(_ => (byte)_random.Next(256)), .. "PAR1"u8]);
        UserErrors.AssertOneLine(() => DataSource.Read(path, DataSettings.Default, "Data:Dir"), path, "not a readable Parquet file");
    }

    [Fact]
    public void Split_is_the_same_for_a_seed_disjoint_and_complete()
    {
        int n = _random.Next(50, 500);
        var ids = Enumerable.Range(0, n).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        ImageSet all = ImageSet.FromFeatures(Enumerable.Range(0, n).Select(i => (float)i).ToArray(), n, 1, null, "t", ids);
        ulong seed = (ulong)_random.NextInt64(1, long.MaxValue);
        (ImageSet train, ImageSet test) = DataSource.Split(all, 0.25, seed);
        (ImageSet train2, ImageSet test2) = DataSource.Split(all, 0.25, seed);
        (_, ImageSet other) = DataSource.Split(all, 0.25, seed + 1);
        Assert.Equal(test.Ids!, test2.Ids!);
        Assert.Equal(train.Ids!, train2.Ids!);
        Assert.NotEqual(test.Ids!, other.Ids!);
        Assert.Equal((int)Math.Round(n * 0.25, MidpointRounding.AwayFromZero), test.Count);
        Assert.Equal(Enumerable.Range(0, n), train.Features!.Concat(test.Features!).Select(v => (int)v).Order());
        Assert.Equal(test.Features!.Order(), test.Features!); // file order kept
    }

    [Fact]
    public void Standardization_is_fitted_on_training_data_and_applied_unchanged_to_new_data()
    {
        int n = _random.Next(20, 200), width = 3;
        float[] x = Enumerable.Range(0, n * width).Select(i => (float)(i % width == 2 ? 7.0 : _random.NextDouble() * 50 + 100 * (i % width))).ToArray();
        ImageSet train = ImageSet.FromFeatures(x, n, width, null, "t");
        FeatureScaling scaling = FeatureScaling.Fit(train, ["a", "b", "constant"], standardize: true);
        float[] z = scaling.Apply(train).Features!;
        for (int j = 0; j < 2; j++)
        {
            double[] column = Enumerable.Range(0, n).Select(r => (double)z[r * width + j]).ToArray();
            Assert.Equal(0, column.Average(), 4);
            Assert.Equal(1, Math.Sqrt(column.Select(v => v * v).Average()), 4);
        }
        Assert.Equal(1.0, scaling.Std![2]); // a constant column is centred, not divided by 0
        Assert.All(Enumerable.Range(0, n), r => Assert.Equal(0f, z[r * width + 2]));

        string path = _temp.File(FeatureScaling.FileName);
        scaling.Save(path);
        FeatureScaling loaded = FeatureScaling.Load(path);
        ImageSet fresh = ImageSet.FromFeatures([1f, 2f, 3f], 1, width, null, "new");
        Assert.Equal(scaling.Apply(fresh).Features!, loaded.Apply(fresh).Features!);
        Assert.Equal(1.0, loaded.Unscale(loaded.Apply(fresh).Features![0], 0), 4);
    }

    [Fact]
    public void Real_breast_cancer_file_has_569_records_of_30_features_and_two_classes()
    {
        string path = SklearnData.File("breast_cancer.csv");
        DataSettings settings = DataSettings.Default with { SkipRows = 1, Header = false, Label = "-1" };
        (ImageSet set, _) = DataSource.Read(path, settings, "Data:Dir");
        Assert.Equal(569, set.Count);
        Assert.Equal(30, set.PixelsPerImage);
        Assert.Equal(212, set.Labels!.Count(l => l == 0)); // malignant
        Assert.Equal(357, set.Labels!.Count(l => l == 1)); // benign
        Assert.Equal(17.99f, set.Features![0]);
    }

    [Theory]
    [InlineData("iris.csv", 150, 4, 3)]
    [InlineData("wine_data.csv", 178, 13, 3)]
    public void Real_iris_and_wine_files_read_with_their_counts(string name, int records, int features, int classes)
    {
        (ImageSet set, _) = DataSource.Read(SklearnData.File(name), DataSettings.Default with { SkipRows = 1, Header = false, Label = "-1" }, "Data:Dir");
        Assert.Equal(records, set.Count);
        Assert.Equal(features, set.PixelsPerImage);
        Assert.Equal(classes, set.Labels!.Distinct().Count());
    }

    [Fact]
    public void Format_comes_from_the_name_or_Data_Format()
    {
        string csv = _temp.File("a.csv"), unknown = _temp.File("a.dat");
        File.WriteAllText(csv, "x\n1\n");
        File.WriteAllText(unknown, "x\n1\n");
        Assert.Equal(DataFormat.Csv, DataSource.Detect(csv, DataFormat.Auto, "Data:Dir"));
        Assert.Equal(DataFormat.Images, DataSource.Detect(_temp.Path, DataFormat.Auto, "Data:Dir"));
        Assert.Equal(DataFormat.Tsv, DataSource.Detect(unknown, DataFormat.Tsv, "Data:Dir"));
        UserErrors.AssertOneLine(() => DataSource.Detect(unknown, DataFormat.Auto, "Data:Dir"), unknown, "set Data:Format");
    }
}
