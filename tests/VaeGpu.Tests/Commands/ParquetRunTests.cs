using System.Globalization;
using Parquet.Schema;
using VaeGpu.Tests.Configuration;
using VaeGpu.Tests.Data;

namespace VaeGpu.Tests.Commands;

/// <summary>Train and score through the CLI on Parquet files that the test writes with Parquet.Net from the real breast-cancer table.</summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which other tests set
public sealed class ParquetRunTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly CliHarness _cli = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Records <paramref name="which"/> of breast_cancer.csv as Parquet: an id, 30 double features named f0..f29, and the diagnosis as text.</summary>
    private static async Task WriteAsync(string path, string[][] records, int[] which)
    {
        var columns = new List<(DataField, Array)> { (new DataField<string>("id"), which.Select(i => $"p{i}").ToArray()) };
        for (int c = 0; c < 30; c++)
            columns.Add((new DataField<double>($"f{c}"), which.Select(i => double.Parse(records[i][c], CultureInfo.InvariantCulture)).ToArray()));
        columns.Add((new DataField<string>("diagnosis"), which.Select(i => records[i][30] == "0" ? "malignant" : "benign").ToArray()));
        await ParquetFiles.WriteAsync(path, [.. columns]);
    }

    [Fact]
    public async Task Train_and_score_on_parquet_files()
    {
        string[][] records = File.ReadAllLines(SklearnData.File("breast_cancer.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        var random = new System.Random();
        int[] order = Enumerable.Range(0, records.Length).OrderBy(_ => random.Next()).ToArray();
        string train = _temp.File("train.parquet"), test = _temp.File("test.parquet"), fresh = _temp.File("new.parquet");
        await WriteAsync(train, records, order[..400]);
        await WriteAsync(test, records, order[400..500]);
        await WriteAsync(fresh, records, order[500..]);

        string run = _temp.File("run");
        Assert.True(_cli.Run("train", "--device", "cpu", "--data", train, "--test", test, "--Data:Label=diagnosis", "--Data:Id=id",
            "--hidden", "32", "--latent", "3", "--epochs", "3", "--out", run) == 0, _cli.Error);
        Assert.Contains("400 train / 100 test records of 30 features", _cli.Output, StringComparison.Ordinal);

        string scores = _temp.File("scores.csv");
        Assert.True(_cli.Run("score", "--run", run, "--input", fresh, "--out", scores) == 0, _cli.Error);
        string[] rows = File.ReadAllLines(scores);
        Assert.Equal("index,id,label,neg_elbo", rows[0]);
        Assert.Equal(order[500..].Select((r, k) => $"{k},p{r},{(records[r][30] == "0" ? "malignant" : "benign")}"),
            rows.Skip(1).Select(row => string.Join(',', row.Split(',').Take(3))));
    }
}
