using System.Diagnostics;
using System.Text.Json;
using VaeGpu.Analysis;
using VaeGpu.Cli.Configuration;
using VaeGpu.Data;
using VaeGpu.Io;
using VaeGpu.Training;

namespace VaeGpu.Cli.Commands;

/// <summary>
/// "eval": test −ELBO, reconstruction NLL and KL of a saved model with sampled z, and with --iw K
/// (default Analysis:ImportanceSamples = 5000; 0 skips it) the importance-weighted −log p(x) and
/// bits/dim. Prints them and writes eval.json (or --out).
/// </summary>
public sealed class EvalCommand(CliConsole console) : ICommand
{
    public string Name => "eval";

    public string Summary => "Test -ELBO and importance-weighted -log p(x) of a trained run (--run RUNDIR [--iw K] [--data DIR] [--out FILE.json]).";

    public Configuration.CommandSwitches Switches => Configuration.CommandSwitches.Eval;

    public int Run(string[] args)
    {
        using SavedRun saved = SavedRun.Open(CommandSwitches.Eval, args);
        int samples = saved.Validator.ImportanceSamples();
        int batchSize = saved.Validator.EvalBatchSize();
        string path = saved.OutputPath("eval.json");
        DataSplit data = saved.Data(console);
        console.Out.WriteLine($"run: {saved.Run.Path} (epoch {saved.Checkpoint.Epoch}, step {saved.Checkpoint.Step})");
        console.Out.WriteLine($"data: {data.Description}");
        console.Out.WriteLine($"device: {saved.Accelerator.Name}");

        using var scorer = new ExampleScorer(saved.Model, data.Test, batchSize, saved.Checkpoint.Seed);
        ElboScores elbo = scorer.Elbo();
        (double loss, double lossError) = AnalysisMath.MeanAndError(elbo.Losses());
        double recon = elbo.Recon.Average(), kl = elbo.Kl.Average();
        int pixels = data.Test.PixelsPerImage;
        console.Out.WriteLine($"test -ELBO {loss:F3} nats  (reconstruction {recon:F3}, KL {kl:F3}) over {elbo.Count:N0} {data.Test.Noun}" +
            $"  ± {lossError:F3} (standard error), {BitsPerDim(loss, pixels):F4} bits/dim");

        var report = new Dictionary<string, object?>
        {
            ["run"] = saved.Run.Path,
            ["epoch"] = saved.Checkpoint.Epoch,
            ["data"] = data.Description,
            ["device"] = saved.Accelerator.Name,
            ["examples"] = elbo.Count,
            ["neg_elbo"] = loss,
            ["neg_elbo_standard_error"] = lossError,
            ["recon"] = recon,
            ["kl"] = kl,
            ["neg_elbo_bits_per_dim"] = BitsPerDim(loss, pixels),
        };
        if (samples > 0)
        {
            var clock = Stopwatch.StartNew();
            double[] nll = scorer.NegativeLogLikelihood(samples, p => console.Error.WriteLine(
                $"  importance sampling: {100.0 * p.RowsDone / p.RowsTotal:F1}% ({p.ExamplesDone:N0} of {elbo.Count:N0} images), " +
                $"{p.Elapsed.TotalSeconds:F0} s, about {p.Elapsed.TotalSeconds * (p.RowsTotal - p.RowsDone) / p.RowsDone:F0} s left"));
            (double logPx, double logPxError) = AnalysisMath.MeanAndError(nll);
            console.Out.WriteLine($"test -log p(x) {logPx:F3} nats  ± {logPxError:F3} (standard error), {BitsPerDim(logPx, pixels):F4} bits/dim" +
                $"  (IWAE bound, K = {samples:N0} importance samples, {clock.Elapsed.TotalSeconds:F1} s)");
            // Paired over images: the Monte-Carlo error of the gap, much smaller than either figure's spread over images.
            (double gap, double gapError) = AnalysisMath.MeanAndError(nll.Select((v, i) => v - elbo.Loss(i)).ToArray());
            console.Out.WriteLine($"-log p(x) - (-ELBO) = {gap:F3} ± {gapError:F3} nats (paired standard error)");
            report["importance_samples"] = samples;
            report["gap"] = gap;
            report["gap_standard_error"] = gapError;
            report["neg_log_px"] = logPx;
            report["neg_log_px_standard_error"] = logPxError;
            report["neg_log_px_bits_per_dim"] = BitsPerDim(logPx, pixels);
            report["importance_seconds"] = clock.Elapsed.TotalSeconds;
        }
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(report, new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // "28×28", not "28\u00D728"
        }) + "\n");
        console.Out.WriteLine($"wrote {path}");
        return CliApp.Success;
    }

    /// <summary>Nats per image → bits per pixel.</summary>
    public static double BitsPerDim(double nats, int pixels) => nats / (pixels * Math.Log(2));
}
