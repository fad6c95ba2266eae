using System.Globalization;
using System.IO.Compression;
using VaeGpu.Data.Tables;
using VaeGpu.Io;
using VaeGpu.Tests.Configuration;
using VaeGpu.Tests.Data;
using VaeGpu.Tests.Io;
using VaeGpu.Io.Checkpoints;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// scikit-learn's digits (1,797 8×8 images, values 0 to 16, as 64 columns plus the label) trained as
/// images twice: from digits.csv.gz, and from a folder of PNG files that the test writes from it.
/// Both must give the same model, bit for bit.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which other tests set
public sealed class ImageFolderRunTests : IDisposable
{
    private const int Digits = 1797, Side = 8;
    private static readonly string[] Model = ["--device", "cpu", "--hidden", "32", "--latent", "2", "--batch-size", "64", "--epochs", "2"];
    private static readonly string[] CsvAsImages = ["--Data:Header=false", "--Data:Label=-1", "--Data:Width=8", "--Data:Height=8", "--Data:PixelMax=16"];
    private readonly TempDirectory _temp = new();
    private readonly CliHarness _cli = new();

    public void Dispose() => _temp.Dispose();

    private static (int[] Pixels, int Label)[] ReadDigits(string path)
    {
        using var text = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var records = new List<(int[], int)>();
        while (text.ReadLine() is { Length: > 0 } line)
        {
            int[] cells = line.Split(',').Select(c => (int)double.Parse(c, CultureInfo.InvariantCulture)).ToArray();
            records.Add((cells[..^1], cells[^1]));
        }
        return records.ToArray();
    }

    /// <summary>Each digit as a grey PNG (value · 255 / 16, rounded), named by its record index so the folder keeps the file's order.</summary>
    private string WriteFolder(string name, (int[] Pixels, int Label)[] digits, bool bySubfolder)
    {
        string folder = _temp.SubDirectory(name);
        for (int i = 0; i < digits.Length; i++)
        {
            byte[] bytes = digits[i].Pixels.Select(v => TableExamples.PixelByte(v, 16f)).ToArray();
            string dir = bySubfolder ? Directory.CreateDirectory(Path.Combine(folder, $"digit{digits[i].Label}")).FullName : folder;
            PngWriter.WriteGrayscale(Path.Combine(dir, $"{i:D4}.png"), bytes, Side, Side);
        }
        return folder;
    }

    [Fact]
    public void Digits_from_csv_and_from_a_png_folder_give_the_same_model()
    {
        string csv = SklearnData.File("digits.csv.gz");
        (int[] Pixels, int Label)[] digits = ReadDigits(csv);
        Assert.Equal(Digits, digits.Length);
        string folder = WriteFolder("digits", digits, bySubfolder: false);

        string fromCsv = _temp.File("run-csv"), fromPng = _temp.File("run-png");
        Assert.True(_cli.Run(["train", "--data", csv, .. CsvAsImages, .. Model, "--out", fromCsv]) == 0, _cli.Error);
        Assert.Contains("1,438 train / 359 test images of 8×8", _cli.Output, StringComparison.Ordinal);
        Assert.Contains("model: 64-32-2-32-64 relu bernoulli", _cli.Output, StringComparison.Ordinal);
        Assert.True(_cli.Run(["train", "--data", folder, .. Model, "--out", fromPng]) == 0, _cli.Error);
        Assert.Contains("1,438 train / 359 test images of 8×8", _cli.Output, StringComparison.Ordinal);

        CheckpointData a = Checkpoint.Load(Path.Combine(fromCsv, "checkpoint.bin"));
        CheckpointData b = Checkpoint.Load(Path.Combine(fromPng, "checkpoint.bin"));
        Assert.Equal(a.Architecture, b.Architecture);
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.Equal(File.ReadAllLines(Path.Combine(fromCsv, "metrics.csv")).Select(TestLoss), File.ReadAllLines(Path.Combine(fromPng, "metrics.csv")).Select(TestLoss));

        // A model trained another way differs: the comparison above can fail.
        string other = _temp.File("run-other");
        Assert.True(_cli.Run(["train", "--data", folder, .. Model, "--seed", "2", "--out", other]) == 0, _cli.Error);
        Assert.NotEqual(a.Parameters, Checkpoint.Load(Path.Combine(other, "checkpoint.bin")).Parameters);
    }

    private static string TestLoss(string metricsLine) => metricsLine.Split(',')[2];

    [Fact]
    public void Image_folder_run_labels_by_subfolder_and_works_with_every_analysis_verb()
    {
        (int[] Pixels, int Label)[] digits = ReadDigits(SklearnData.File("digits.csv.gz"));
        string folder = WriteFolder("labelled", digits, bySubfolder: true);
        string run = _temp.File("run");
        Assert.True(_cli.Run(["train", "--data", folder, .. Model, "--out", run]) == 0, _cli.Error);
        Assert.Contains("labels: yes", _cli.Output, StringComparison.Ordinal);
        Assert.True(PngReader.Decode(File.ReadAllBytes(Path.Combine(run, "samples.png"))).Width > 0);

        Assert.True(_cli.Run("eval", "--run", run, "--iw", "10") == 0, _cli.Error);
        Assert.True(_cli.Run("sample", "--run", run, "--count", "4") == 0, _cli.Error);
        Assert.Equal(2 * Side + 3 * ImageGrid.Padding, PngReader.Decode(File.ReadAllBytes(Path.Combine(run, "sample.png"))).Width);
        Assert.True(_cli.Run("reconstruct", "--run", run, "--count", "4") == 0, _cli.Error);
        Assert.True(_cli.Run("reconstruct", "--run", run, "--count", "4", "--noise", "0.1") == 0, _cli.Error);
        Assert.True(_cli.Run("interpolate", "--run", run, "--steps", "3") == 0, _cli.Error);
        Assert.True(_cli.Run("latents", "--run", run) == 0, _cli.Error);
        Assert.True(File.Exists(Path.Combine(run, "manifold.png")));

        // latents of the test split: ids are the file paths, labels the subfolder's class; both agree with the CSV.
        string[] rows = File.ReadAllLines(Path.Combine(run, "latents.csv"));
        Assert.Equal("index,id,label,mu_0,mu_1", rows[0]);
        foreach (string row in rows.Skip(1))
        {
            string[] cells = row.Split(',');
            int record = int.Parse(Path.GetFileNameWithoutExtension(cells[1]), CultureInfo.InvariantCulture);
            Assert.Equal($"digit{digits[record].Label}", Path.GetDirectoryName(cells[1]));
            Assert.Equal(digits[record].Label, int.Parse(cells[2], CultureInfo.InvariantCulture)); // classes digit0..digit9 sort as 0..9
        }

        // score --input on a folder training never saw: every image, in path order, with its file as id.
        string fresh = _temp.SubDirectory("fresh");
        var random = new System.Random();
        for (int i = 0; i < 7; i++)
            PngWriter.WriteGrayscale(Path.Combine(fresh, $"new{i}.png"), Enumerable.Range(0, Side * Side).Select(_ => (byte)random.Next(256)).ToArray(), Side, Side);
        string scores = _temp.File("scores.csv");
        Assert.True(_cli.Run("score", "--run", run, "--input", fresh, "--out", scores, "--threshold", "99") == 0, _cli.Error);
        string[] scored = File.ReadAllLines(scores);
        Assert.Equal("index,id,neg_elbo,flagged", scored[0]);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"{i},new{i}.png"), scored.Skip(1).Select(r => string.Join(',', r.Split(',').Take(2))));
        // Random noise is nothing like a digit: every one is above the 99th percentile of the training scores.
        Assert.All(scored.Skip(1), r => Assert.EndsWith(",1", r, StringComparison.Ordinal));

        // Images of another size are refused for scoring unless resized to the model's size.
        string bigger = _temp.SubDirectory("bigger");
        PngWriter.WriteGrayscale(Path.Combine(bigger, "x.png"), new byte[16 * 16], 16, 16);
        _cli.AssertUserError(2, "images of 16×16×1 = 256 values, but the model takes 8×8×1 = 64", "score", "--run", run, "--input", bigger, "--out", scores);
        Assert.True(_cli.Run("score", "--run", run, "--input", bigger, "--out", scores, "--Data:Width=8", "--Data:Height=8") == 0, _cli.Error);
    }
}
