using System.Globalization;
using Parquet.Schema;
using VaeGpu.Tests.Data;
using VaeGpu.Io;
using VaeGpu.Tests.Configuration;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// Every bad-input case of issue 12 through the CLI: exit code 2, one line "error: ..." naming the
/// file, the line or record and the column, no stack trace, and no output file (no run directory,
/// no scores.csv). The inputs are fresh random tables with one defect planted at a random place.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which other tests set
public sealed class DataInputErrorTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly CliHarness _cli = new();
    private readonly System.Random _random = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A header "f0,...,f{cols-1}" and rows of random numbers; returns the CSV lines.</summary>
    private List<string> RandomTable(int rows, int cols)
    {
        var lines = new List<string> { string.Join(',', Enumerable.Range(0, cols).Select(c => $"f{c}")) };
        for (int r = 0; r < rows; r++)
            lines.Add(string.Join(',', Enumerable.Range(0, cols).Select(_ => (_random.NextDouble() * 10 - 5).ToString("R", CultureInfo.InvariantCulture))));
        return lines;
    }

    private string WriteCsv(string name, List<string> lines)
    {
        string path = _temp.File(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>Trains on <paramref name="data"/> and expects a one-line user error that says each of <paramref name="mustSay"/>.</summary>
    private void AssertTrainFails(string data, string[] extra, params string[] mustSay) =>
        _cli.AssertTrainFails(data, _temp.File("run-" + Guid.NewGuid().ToString("N")), extra, mustSay);

    /// <summary>Cell (row, column) of a random table replaced by <paramref name="cell"/>; the message must name line row+2 and the column.</summary>
    private void AssertBadCell(string cell, string says)
    {
        int rows = _random.Next(20, 40), cols = _random.Next(3, 8);
        List<string> lines = RandomTable(rows, cols);
        int row = _random.Next(rows), col = _random.Next(cols);
        string[] cells = lines[row + 1].Split(',');
        cells[col] = cell;
        lines[row + 1] = string.Join(',', cells);
        string path = WriteCsv("bad.csv", lines);
        AssertTrainFails(path, [], path, $"line {row + 2}, column {col} ('f{col}')", says);
    }

    [Fact]
    public void Csv_ragged_row_names_the_file_and_line()
    {
        int rows = _random.Next(20, 40), cols = _random.Next(3, 8);
        List<string> lines = RandomTable(rows, cols);
        int row = _random.Next(rows);
        lines[row + 1] += ",7";
        string path = WriteCsv("ragged.csv", lines);
        AssertTrainFails(path, [], path, $"line {row + 2}: ragged row: {cols + 1} columns where the header has {cols}");
    }

    [Fact]
    public void Csv_non_numeric_cell_names_the_line_and_column() => AssertBadCell("abc", "'abc' is not a number");

    [Fact]
    public void Csv_empty_cell_names_the_line_and_column() => AssertBadCell("", "empty cell");

    [Fact]
    public void Csv_nan_cell_names_the_line_and_column() => AssertBadCell("NaN", "NaN is not a finite number");

    [Fact]
    public void Csv_unknown_label_column_lists_the_columns()
    {
        string path = WriteCsv("table.csv", RandomTable(20, 3));
        AssertTrainFails(path, ["--Data:Label=species"], path, "Data:Label = 'species': unknown column (columns: f0, f1, f2)");
        AssertTrainFails(path, ["--Data:Label=5"], path, "Data:Label = '5': no such column (the file has 3 columns");
    }

    [Fact]
    public void Score_input_with_another_column_count_is_refused_and_writes_nothing()
    {
        int cols = _random.Next(3, 6);
        string train = WriteCsv("train.csv", RandomTable(40, cols));
        string run = _temp.File("run");
        Assert.True(_cli.Run("train", "--device", "cpu", "--data", train, "--epochs", "1", "--hidden", "8", "--latent", "2", "--out", run) == 0, _cli.Error);

        string wider = WriteCsv("wider.csv", RandomTable(10, cols + 1));
        string scores = _temp.File("scores.csv");
        _cli.AssertUserError(2, wider, "score", "--run", run, "--input", wider, "--out", scores);
        Assert.Contains($"line 1 (header): {cols + 1} feature columns ({cols + 1} in all), but the model's training data has {cols}", _cli.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(scores));
        Assert.False(File.Exists(Path.Combine(run, "scores.csv")));

        // Same count, other names: the first differing column is named.
        List<string> renamed = RandomTable(10, cols);
        renamed[0] = renamed[0].Replace("f1", "g1", StringComparison.Ordinal);
        string other = WriteCsv("renamed.csv", renamed);
        _cli.AssertUserError(2, "column 1 ('g1'): feature 1 is 'g1' but the model's training data has 'f1' there", "score", "--run", run, "--input", other, "--out", scores);
        Assert.False(File.Exists(scores));
    }

    [Fact]
    public void Test_file_with_another_column_count_than_the_training_file_is_refused()
    {
        int cols = _random.Next(3, 6);
        string train = WriteCsv("train.csv", RandomTable(40, cols));
        string test = WriteCsv("test.csv", RandomTable(10, cols - 1));
        AssertTrainFails(train, ["--test", test], test, $"line 1 (header): {cols - 1} feature columns ({cols - 1} in all), but the model's training data has {cols}");
    }

    [Fact]
    public void Corrupt_image_is_named()
    {
        string folder = _temp.SubDirectory("images");
        WriteRandomPng(Path.Combine(folder, "a.png"), 6, 6);
        byte[] png = File.ReadAllBytes(Path.Combine(folder, "a.png"));
        File.WriteAllBytes(Path.Combine(folder, "b.png"), png.AsSpan(0, png.Length / 2).ToArray()); // truncated
        File.WriteAllBytes(Path.Combine(folder, "c.jpg"), [.. Enumerable.Range(0, 64).Select(_ => (byte)_random.Next(256))]);
        AssertTrainFails(folder, [], Path.Combine(folder, "b.png"), "truncated image");
        File.Delete(Path.Combine(folder, "b.png"));
        AssertTrainFails(folder, [], Path.Combine(folder, "c.jpg"), "not a readable PNG or JPEG image");
    }

    [Fact]
    public void Images_of_mixed_sizes_without_resize_name_both_files()
    {
        string folder = _temp.SubDirectory("mixed");
        WriteRandomPng(Path.Combine(folder, "a.png"), 6, 6);
        WriteRandomPng(Path.Combine(folder, "b.png"), 7, 5);
        AssertTrainFails(folder, [], Path.Combine(folder, "b.png"), "image is 7×5 but", Path.Combine(folder, "a.png"), "Data:Width and Data:Height");
    }

    [Fact]
    public void Empty_folder_is_named()
    {
        string folder = _temp.SubDirectory("empty");
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "no images here");
        AssertTrainFails(folder, [], folder, "empty folder");
    }

    [Fact]
    public async Task Parquet_column_of_an_unsupported_type_is_named()
    {
        string path = _temp.File("table.parquet");
        await ParquetFiles.WriteAsync(path,
            (new DataField<double>("x"), Enumerable.Range(0, 20).Select(_ => _random.NextDouble()).ToArray()),
            (new DataField<DateTime>("when"), Enumerable.Range(0, 20).Select(i => new DateTime(2026, 1, 1).AddHours(i)).ToArray()));
        AssertTrainFails(path, [], path, "column 1 ('when') has the unsupported type DateTime");
    }

    private void WriteRandomPng(string path, int width, int height) =>
        PngWriter.WriteGrayscale(path, Enumerable.Range(0, width * height).Select(_ => (byte)_random.Next(256)).ToArray(), width, height);
}
