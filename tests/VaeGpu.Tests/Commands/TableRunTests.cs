using System.Globalization;
using VaeGpu.Analysis;
using VaeGpu.Io;
using VaeGpu.Tests.Configuration;
using VaeGpu.Tests.Data;
using VaeGpu.Io.Checkpoints;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// scikit-learn's breast-cancer table (569 records × 30 features, label 0 = malignant, 1 = benign)
/// trained once through the CLI on the benign records of its training split (--exclude-class 0),
/// the anomaly-detection workflow of issue 12: train on normal data, score data never seen.
/// </summary>
public sealed class BreastCancerRunFixture : IDisposable
{
    public static readonly string[] Model = ["--device", "cpu", "--hidden", "64", "--latent", "4", "--batch-size", "32"];

    public BreastCancerRunFixture()
    {
        Data = SklearnData.Folder is null ? null : Path.Combine(SklearnData.Folder, "breast_cancer.csv");
        if (Data is null) return;
        var cli = new CliHarness();
        Run = Temp.File("run");
        int code = cli.Run(["train", "--data", Data, .. SklearnData.TableSettings, .. Model, "--epochs", "40",
            "--exclude-class", "0", "--out", Run]);
        Assert.True(code == 0, cli.Error);
        TrainOutput = cli.Output;
    }

    public TempDirectory Temp { get; } = new();
    public string? Data { get; }
    public string Run { get; } = "";
    public string TrainOutput { get; } = "";

    public void Dispose() => Temp.Dispose();
}

[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which other tests set
public sealed class TableRunTests(BreastCancerRunFixture fixture) : IClassFixture<BreastCancerRunFixture>, IDisposable
{
    private const int Records = 569, Features = 30, TestRecords = 114; // round(0.2 · 569)
    private readonly TempDirectory _temp = new();
    private readonly CliHarness _cli = new();

    public void Dispose() => _temp.Dispose();

    private string Run
    {
        get
        {
            Assert.SkipUnless(fixture.Data is not null, SklearnData.Missing);
            return fixture.Run;
        }
    }

    [Fact]
    public void Train_reads_the_table_takes_its_size_from_the_data_and_stores_the_standardization()
    {
        string run = Run;
        Assert.Contains($"{Records - TestRecords} train / {TestRecords} test records of {Features} features", fixture.TrainOutput, StringComparison.Ordinal);
        Assert.Contains($"model: {Features}-64-4-64-{Features} relu gaussian", fixture.TrainOutput, StringComparison.Ordinal);
        var inputs = VaeGpu.Data.FeatureScaling.Load(Path.Combine(run, "features.json"));
        Assert.True(inputs.IsTable);
        Assert.Equal(Features, inputs.Features.Count);
        // Fitted on the benign training records only: feature 3, the mean area, averages 463 with a
        // spread of 134 over all benign records (far from 0 and 1, so unstandardized it would dominate).
        Assert.InRange(inputs.Mean![3], 420, 510);
        Assert.InRange(inputs.Std![3], 100, 170);
        Assert.Equal(Features, Checkpoint.Load(Path.Combine(run, "checkpoint.bin")).Architecture.InputSize);
        Assert.True(File.Exists(Path.Combine(run, "samples.csv")) && File.Exists(Path.Combine(run, "reconstructions.csv")));
    }

    /// <summary>
    /// The anomaly test: benign-only training, then the held-out mix of both classes is scored. Malignant
    /// records must score clearly higher: ROC-AUC well above chance (0.5). Measured: about 0.96.
    /// </summary>
    [Fact]
    public void Score_separates_malignant_from_benign_records_it_never_saw()
    {
        string run = Run;
        string scores = _temp.File("scores.csv");
        Assert.Equal(0, _cli.Run("score", "--run", run, "--out", scores));
        System.Text.RegularExpressions.Match auc = System.Text.RegularExpressions.Regex.Match(_cli.Output, @"ROC-AUC (\d\.\d{4}) for telling held-out class 0 \((\d+) records\)");
        Assert.True(auc.Success, _cli.Output);
        double value = double.Parse(auc.Groups[1].Value, CultureInfo.InvariantCulture);
        TestContext.Current.SendDiagnosticMessage($"breast cancer, malignant vs benign: ROC-AUC {value:F4}");
        Assert.True(value > 0.85, $"ROC-AUC {value} is not well above chance");

        // The same figure from the CSV: label and score per held-out record.
        string[] rows = File.ReadAllLines(scores);
        Assert.Equal("index,label,neg_elbo", rows[0]);
        Assert.Equal(TestRecords, rows.Length - 1);
        double[] values = rows.Skip(1).Select(r => double.Parse(r.Split(',')[2], CultureInfo.InvariantCulture)).ToArray();
        bool[] malignant = rows.Skip(1).Select(r => r.Split(',')[1] == "0").ToArray();
        Assert.Equal(value, AnalysisMath.RocAuc(values, malignant), 4);
    }

    /// <summary>
    /// score --input on a file training never saw (malignant and benign records in a fresh random
    /// order, with an id column): one row per record, in input order, ids echoed; --threshold flags
    /// exactly the records above the stored training percentile.
    /// </summary>
    [Fact]
    public void Score_input_scores_a_new_file_in_order_with_ids_and_flags()
    {
        string run = Run;
        string[] lines = File.ReadAllLines(fixture.Data!).Skip(1).ToArray();
        var random = new System.Random();
        int[] picked = Enumerable.Range(0, lines.Length).OrderBy(_ => random.Next()).Take(50).ToArray();
        var input = new List<string> { "id," + string.Join(',', Enumerable.Range(0, Features + 1)) };
        input.AddRange(picked.Select(i => $"patient-{i}," + lines[i]));
        string path = _temp.File("new.csv");
        File.WriteAllLines(path, input);

        string scores = _temp.File("new-scores.csv");
        // The new file has a header and an id column: its reading settings differ from training's.
        Assert.True(_cli.Run("score", "--run", run, "--input", path, "--out", scores, "--threshold", "90",
            "--Data:SkipRows=0", "--Data:Header=true", "--Data:Id=id", "--Data:Label=30") == 0, _cli.Error);
        string[] rows = File.ReadAllLines(scores);
        Assert.Equal("index,id,label,neg_elbo,flagged", rows[0]);
        Assert.Equal(picked.Length, rows.Length - 1);
        for (int k = 0; k < picked.Length; k++)
            Assert.StartsWith($"{k},patient-{picked[k]},", rows[k + 1], StringComparison.Ordinal);

        double threshold = TrainScores.Load(Path.Combine(run, TrainScores.FileName)).Threshold(90);
        int flagged = 0;
        foreach (string row in rows.Skip(1))
        {
            string[] cells = row.Split(',');
            double score = double.Parse(cells[3], CultureInfo.InvariantCulture);
            Assert.Equal(score > threshold ? "1" : "0", cells[4]);
            flagged += cells[4] == "1" ? 1 : 0;
        }
        Assert.Contains($"flagged {flagged:N0} of {picked.Length} records above the 90th percentile", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_scores_percentiles_match_the_training_records()
    {
        string run = Run;
        TrainScores stored = TrainScores.Load(Path.Combine(run, TrainScores.FileName));
        Assert.True(stored.Count > 250 && stored.Count < Records - TestRecords, $"{stored.Count} benign training records");
        for (int k = 1; k <= TrainScores.Steps; k++) Assert.True(stored.Percentiles[k] >= stored.Percentiles[k - 1]);
        Assert.Equal(stored.Percentiles[500], stored.Threshold(50));
    }

    [Fact]
    public void Every_analysis_verb_works_on_a_table_run()
    {
        string run = Run;
        string dir = _temp.Path;
        Assert.True(_cli.Run("eval", "--run", run, "--iw", "20", "--out", Path.Combine(dir, "eval.json")) == 0, _cli.Error);
        Assert.Contains($"over {TestRecords} records", _cli.Output, StringComparison.Ordinal);

        Assert.True(_cli.Run("sample", "--run", run, "--count", "5", "--out", Path.Combine(dir, "samples.csv")) == 0, _cli.Error);
        string[] samples = File.ReadAllLines(Path.Combine(dir, "samples.csv"));
        Assert.Equal(6, samples.Length);
        Assert.Equal(Features + 1, samples[1].Split(',').Length);

        Assert.True(_cli.Run("reconstruct", "--run", run, "--count", "3", "--out", Path.Combine(dir, "rec.csv")) == 0, _cli.Error);
        string[] rec = File.ReadAllLines(Path.Combine(dir, "rec.csv"));
        Assert.Equal(["row", "input0", "reconstruction0", "input1"], rec.Take(4).Select(r => r.Split(',')[0]));
        // The input rows are the file's own values again (standardization undone): record 0 of the
        // test split is a real record of the file.
        string[] fileRecords = File.ReadAllLines(fixture.Data!).Skip(1).Select(l => l[..l.LastIndexOf(',')]).ToArray();
        double[] input0 = rec[1].Split(',').Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Contains(fileRecords, r => r.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture))
            .Zip(input0).All(p => Math.Abs(p.First - p.Second) <= 1e-4 * Math.Max(1, Math.Abs(p.First))));

        Assert.True(_cli.Run("interpolate", "--run", run, "--steps", "4", "--out", Path.Combine(dir, "path.csv")) == 0, _cli.Error);
        Assert.Equal(1 + 4 + 2, File.ReadAllLines(Path.Combine(dir, "path.csv")).Length);

        Assert.True(_cli.Run("latents", "--run", run, "--out", Path.Combine(dir, "latents.csv")) == 0, _cli.Error);
        string[] latents = File.ReadAllLines(Path.Combine(dir, "latents.csv"));
        Assert.Equal("index,label,mu_0,mu_1,mu_2,mu_3", latents[0]);
        Assert.Equal(TestRecords + 1, latents.Length);

        // --input for latents and reconstruct: the whole file, 569 records.
        string all = fixture.Data!;
        Assert.True(_cli.Run("latents", "--run", run, "--input", all, "--out", Path.Combine(dir, "all-latents.csv")) == 0, _cli.Error);
        Assert.Equal(Records + 1, File.ReadAllLines(Path.Combine(dir, "all-latents.csv")).Length);
        Assert.True(_cli.Run("reconstruct", "--run", run, "--input", all, "--count", "2", "--out", Path.Combine(dir, "all-rec.csv")) == 0, _cli.Error);
        Assert.Equal(1 + 4, File.ReadAllLines(Path.Combine(dir, "all-rec.csv")).Length);
        Assert.True(File.Exists(Path.Combine(run, "report.html")));
    }

    /// <summary>A table run resumed from epoch 2 to 4 reaches the parameters of 4 epochs at once: the split and standardization are refitted identically.</summary>
    [Fact]
    public void Resumed_table_run_matches_an_uninterrupted_one()
    {
        string data = SklearnData.File("breast_cancer.csv");
        string[] common = ["--data", data, .. SklearnData.TableSettings, "--device", "cpu", "--hidden", "16", "--latent", "2", "--batch-size", "50", "--seed", "7"];
        string straight = _temp.File("straight"), resumed = _temp.File("resumed");
        Assert.True(_cli.Run(["train", .. common, "--epochs", "4", "--out", straight]) == 0, _cli.Error);
        Assert.True(_cli.Run(["train", .. common, "--epochs", "2", "--out", resumed]) == 0, _cli.Error);
        Assert.True(_cli.Run(["train", "--resume", resumed, "--epochs", "4"]) == 0, _cli.Error);
        Assert.Equal(Checkpoint.Load(Path.Combine(straight, "checkpoint.bin")).Parameters, Checkpoint.Load(Path.Combine(resumed, "checkpoint.bin")).Parameters);
        Assert.Equal(File.ReadAllText(Path.Combine(straight, "features.json")), File.ReadAllText(Path.Combine(resumed, "features.json")));
    }

    /// <summary>
    /// Model:LearnSigma: one σ per feature, trained with the rest. The run trains and scores; each
    /// feature's σ moved from its start, and not all to the same value; ilgpu-cpu gives the cpu's bits.
    /// </summary>
    [Fact]
    public void A_table_run_can_learn_sigma_per_feature()
    {
        string data = SklearnData.File("breast_cancer.csv");
        string[] common = ["--data", data, .. SklearnData.TableSettings, "--hidden", "16", "--latent", "2", "--batch-size", "50",
            "--seed", "3", "--epochs", "2", "--Model:GaussianSigma=1", "--Model:LearnSigma=true"];
        string cpu = _temp.File("cpu"), ilgpu = _temp.File("ilgpu");
        Assert.True(_cli.Run(["train", .. common, "--device", "cpu", "--out", cpu]) == 0, _cli.Error);
        Assert.Contains("gaussian (learned σ)", _cli.Output, StringComparison.Ordinal);
        Assert.True(_cli.Run(["train", .. common, "--device", "ilgpu-cpu", "--out", ilgpu]) == 0, _cli.Error);

        float[] parameters = Checkpoint.Load(Path.Combine(cpu, "checkpoint.bin")).Parameters;
        float[] logSigma = parameters[^Features..];
        Assert.All(logSigma, value => Assert.NotEqual(0f, value)); // started at log 1 = 0
        Assert.True(logSigma.Distinct().Count() > Features / 2, "the features' σ should move apart");
        Assert.Equal(parameters, Checkpoint.Load(Path.Combine(ilgpu, "checkpoint.bin")).Parameters);
        Assert.True(_cli.Run(["score", "--run", cpu, "--out", _temp.File("scores.csv")]) == 0, _cli.Error);
    }

    [Fact]
    public void Learning_sigma_with_a_bernoulli_likelihood_is_a_one_line_error()
    {
        _cli.AssertUserError(2, "Model:LearnSigma", "train", "--data", "embedded", "--Model:LearnSigma=true");
    }
}
