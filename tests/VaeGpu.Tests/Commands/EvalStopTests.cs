using System.Text.Json;
using VaeGpu.Analysis;
using VaeGpu.Cli.Commands;
using VaeGpu.Cli.Runs;
using VaeGpu.Configuration;
using VaeGpu.Tests.Configuration;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// eval on a CPU without surprises: a default that finishes in about a minute, a line announcing the
/// long part and then its measured duration, and a stop (Ctrl-C, SIGTERM) that keeps the −ELBO part.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which other tests set
public sealed class EvalStopTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly CliHarness _cli = new();

    public void Dispose() => _temp.Dispose();

    private string Train()
    {
        string run = _temp.File("run");
        Assert.True(_cli.Run("train", "--device", "cpu", "--data", "embedded", "--hidden", "8", "--latent", "2", "--epochs", "1", "--out", run) == 0, _cli.Error);
        return run;
    }

    private static JsonElement Json(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    [Fact]
    public void The_default_is_100_importance_samples_announced_before_the_long_part()
    {
        string run = Train();

        Assert.True(_cli.Run("eval", "--run", run) == 0, _cli.Error);

        Assert.Equal(100, new VaeGpuOptions().Analysis.ImportanceSamples);
        JsonElement eval = Json(Path.Combine(run, "eval.json"));
        Assert.Equal(100, eval.GetProperty("importance_samples").GetInt32());
        Assert.True(eval.GetProperty("complete").GetBoolean());
        Assert.StartsWith("importance sampling: K = 100 per image over 1,000 images (100,000 decoder passes)", _cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_estimate_extrapolates_the_first_second_and_offers_the_shorter_choices()
    {
        // 4,000 of 50,000,000 rows in 1 s: 12,500 s in all; --iw 100 over 10,000 images is 250 s.
        var first = new ScoringProgress(4_000, 50_000_000, 0, TimeSpan.FromSeconds(1), First: true);

        string line = EvalCommand.EstimateLine(first, samples: 5000, examples: 10_000);

        Assert.Equal("  importance sampling will take about 3.5 h in all on this device (measured over its first 1.0 s); " +
            "--iw 100 would take about 4 min, --iw 0 skips it", line);
        Assert.DoesNotContain("--iw 100", EvalCommand.EstimateLine(first with { RowsTotal = 1_000_000 }, samples: 100, examples: 10_000));
    }

    [Fact]
    public void A_stop_during_importance_sampling_writes_the_elbo_part_marked_incomplete()
    {
        string run = Train();
        string whole = _temp.File("whole.json"), stopped = _temp.File("stopped.json");
        Assert.True(_cli.Run("eval", "--run", run, "--iw", "10", "--out", whole) == 0, _cli.Error);
        var stopping = new CliHarness(() => new StopSignal { AfterStep = 2 }); // after 2 of the 10 batches (1,000 rows each)

        int code = stopping.Run("eval", "--run", run, "--iw", "10", "--out", stopped);

        Assert.True(code == 130, stopping.Error);
        Assert.Contains($"stopped by SIGINT during importance sampling (stopped after 2,000 of 10,000 importance-sampling rows): wrote the -ELBO part to {stopped}, marked incomplete", stopping.Error, StringComparison.Ordinal);
        JsonElement part = Json(stopped), all = Json(whole);
        Assert.False(part.GetProperty("complete").GetBoolean());
        Assert.False(part.TryGetProperty("neg_log_px", out _));
        foreach (string key in new[] { "neg_elbo", "neg_elbo_standard_error", "recon", "kl" })
            Assert.Equal(all.GetProperty(key).GetDouble(), part.GetProperty(key).GetDouble()); // the same bits as the whole run's
    }

    [Fact]
    public void A_stop_before_the_elbo_writes_nothing_and_says_so()
    {
        string run = Train();
        string path = Path.Combine(run, "eval.json");
        File.WriteAllText(path, "{ \"kept\": true }\n");
        var stopping = new CliHarness(() => new StopSignal { AfterStep = 0 });

        int code = stopping.Run("eval", "--run", run);

        Assert.True(code == 130, stopping.Error);
        Assert.Contains("stopped by SIGINT before the -ELBO was computed: nothing was written", stopping.Error, StringComparison.Ordinal);
        Assert.Equal("{ \"kept\": true }\n", File.ReadAllText(path));
    }
}
