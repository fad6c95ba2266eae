using System.Globalization;
using System.Text.Json;
using VaeGpu.Cli.Commands;
using VaeGpu.Cli.Configuration;
using VaeGpu.Cli.Runs;
using VaeGpu.Configuration;
using VaeGpu.Io;
using VaeGpu.Tests.Configuration;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// What a run's config.json keeps: the model and training settings with auto resolved (the likelihood
/// used, σ as a number), never the per-invocation switches (device, kernel versions, report and
/// checkpoint cadence); and the table settings a first run gets without being told.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which one test sets
public sealed class RunSettingsTests : IDisposable
{
    private static readonly string[] Small = ["--device", "cpu", "--hidden", "8", "--latent", "2", "--batch-size", "16"];

    private readonly TempDirectory _temp = new();
    private readonly CliHarness _cli = new();
    private readonly System.Random _random = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A fresh random table: a header and rows of numbers around 50, far from standardized.</summary>
    private string RandomTable(string name, int rows = 80, int cols = 5)
    {
        var lines = new List<string> { string.Join(',', Enumerable.Range(0, cols).Select(c => $"f{c}")) };
        for (int r = 0; r < rows; r++)
            lines.Add(string.Join(',', Enumerable.Range(0, cols).Select(_ => (50 + 20 * _random.NextDouble()).ToString("R", CultureInfo.InvariantCulture))));
        string path = _temp.File(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private string Train(string name, params string[] args)
    {
        string run = _temp.File(name);
        Assert.True(_cli.Run(["train", .. Small, "--epochs", "1", "--out", run, .. args]) == 0, _cli.Error);
        return run;
    }

    private static JsonElement Config(string run) =>
        JsonDocument.Parse(File.ReadAllText(new RunDirectory(run).Config)).RootElement;

    [Fact]
    public void A_table_run_trains_a_gaussian_of_sigma_1_by_default_and_records_both()
    {
        string data = RandomTable("t.csv");

        string byDefault = Train("default", "--data", data);
        string one = Train("one", "--data", data, "--likelihood", "gaussian", "--Model:GaussianSigma=1");
        string tenth = Train("tenth", "--data", data, "--likelihood", "gaussian", "--Model:GaussianSigma=0.1");

        JsonElement model = Config(byDefault).GetProperty("Model");
        Assert.Equal("gaussian", model.GetProperty("Likelihood").GetString());
        Assert.Equal(1.0, model.GetProperty("GaussianSigma").GetDouble());
        // The same bits as σ = 1 asked for by name, not those of the old default 0.1.
        Assert.Equal(Losses(one), Losses(byDefault));
        Assert.NotEqual(Losses(tenth), Losses(byDefault));
    }

    /// <summary>metrics.csv without its timing columns (seconds, samples/s differ run to run).</summary>
    private static string[] Losses(string run) =>
        File.ReadAllLines(new RunDirectory(run).Metrics).Select(line => string.Join(',', line.Split(',').Take(5))).ToArray();

    [Fact]
    public void An_image_run_records_the_likelihood_auto_picked_and_a_gaussian_image_run_its_sigma()
    {
        JsonElement bernoulli = Config(Train("bernoulli", "--data", "embedded")).GetProperty("Model");
        JsonElement gaussian = Config(Train("gaussian", "--data", "embedded", "--likelihood", "gaussian")).GetProperty("Model");

        Assert.Equal("bernoulli", bernoulli.GetProperty("Likelihood").GetString());
        Assert.Equal("gaussian", gaussian.GetProperty("Likelihood").GetString());
        Assert.Equal(0.1f, gaussian.GetProperty("GaussianSigma").GetSingle());
    }

    [Fact]
    public void Bernoulli_on_a_standardized_table_is_refused_saying_why()
    {
        string data = RandomTable("t.csv");
        string run = _temp.File("run");

        _cli.AssertUserError(2, "Model:Likelihood = 'bernoulli': the Bernoulli likelihood models values from 0 to 1, but the table's standardized features range from -",
            ["train", .. Small, "--data", data, "--likelihood", "bernoulli", "--epochs", "1", "--out", run]);

        Assert.Contains("use gaussian", _cli.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Bernoulli_on_a_table_already_in_0_to_1_trains()
    {
        string path = _temp.File("unit.csv");
        File.WriteAllLines(path, ["a,b,c", .. Enumerable.Range(0, 60).Select(_ =>
            string.Join(',', Enumerable.Range(0, 3).Select(_ => _random.NextDouble().ToString("R", CultureInfo.InvariantCulture))))]);

        string run = Train("run", "--data", path, "--likelihood", "bernoulli", "--Data:Standardize=false");

        Assert.Equal("bernoulli", Config(run).GetProperty("Model").GetProperty("Likelihood").GetString());
    }

    [Fact]
    public void A_resumes_one_off_switches_apply_to_it_alone_and_stay_out_of_config_json()
    {
        string data = RandomTable("t.csv");
        string run = Train("run", "--data", data);
        using (new EnvironmentVariable("VAEGPU__Training__ReportEvery", "3"))
        {
            Assert.True(_cli.Run("train", "--resume", run, "--epochs", "2", "--checkpoint-every", "1", "--device", "cpu",
                "--Kernels:CpuGemm=1", "--Training:EvalBatchSize=7") == 0, _cli.Error);
        }

        JsonElement config = Config(run);
        foreach (string section in InvocationSettings.Sections)
            Assert.False(config.TryGetProperty(section, out _), $"config.json holds {section}");
        foreach (string key in InvocationSettings.Keys)
        {
            string[] parts = key.Split(':');
            Assert.False(config.GetProperty(parts[0]).TryGetProperty(parts[1], out _), $"config.json holds {key}");
        }
        Assert.Equal(2, config.GetProperty("Training").GetProperty("Epochs").GetInt32()); // a training setting persists

        VaeGpuOptions next = RunFiles.LoadOptions(CommandSwitches.Train, ["--resume", run], resumeKey: true);
        Assert.Equal(0, next.Training.CheckpointEverySteps);
        Assert.Equal(20, next.Training.ReportEvery);
        Assert.Equal("auto", next.Device);
        Assert.Equal(2, next.Training.Epochs);
    }

    [Fact]
    public void A_config_json_saved_with_per_invocation_settings_no_longer_imposes_them()
    {
        string run = Train("run", "--data", RandomTable("t.csv"));
        string config = new RunDirectory(run).Config;
        // As runs were saved before: the device and the checkpoint cadence of the run's last invocation.
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(config))!.AsObject();
        root["Device"] = "ilgpu-cpu";
        root["Training"]!["CheckpointEverySteps"] = 1;
        root["Training"]!["ReportEvery"] = 1;
        root["Analysis"] = new System.Text.Json.Nodes.JsonObject { ["ImportanceSamples"] = 3 };
        File.WriteAllText(config, root.ToJsonString());

        VaeGpuOptions resumed = RunFiles.LoadOptions(CommandSwitches.Train, ["--resume", run], resumeKey: true);
        VaeGpuOptions analysed = RunFiles.LoadOptions(CommandSwitches.Eval, ["--run", run], resumeKey: false);

        Assert.Equal(("auto", 0, 20), (resumed.Device, resumed.Training.CheckpointEverySteps, resumed.Training.ReportEvery));
        Assert.Equal("auto", analysed.Device);
        Assert.Equal(new VaeGpuOptions().Analysis.ImportanceSamples, analysed.Analysis.ImportanceSamples);
    }

    [Fact]
    public void A_table_resume_on_other_data_counts_records_not_images()
    {
        string run = Train("run", "--data", RandomTable("t.csv"));

        _cli.AssertUserError(2, "a resume must use the run's data", "train", "--resume", run, "--data", RandomTable("other.csv", rows: 50), "--epochs", "2");

        Assert.Contains("test records), but the run", _cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Features_json_keys_are_all_camel_case()
    {
        string run = Train("run", "--data", RandomTable("t.csv"));

        JsonElement features = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "features.json"))).RootElement;

        Assert.All(features.EnumerateObject(), property => Assert.True(char.IsLower(property.Name[0]), $"key {property.Name}"));
        Assert.Equal("table", features.GetProperty("kind").GetString());
    }
}
