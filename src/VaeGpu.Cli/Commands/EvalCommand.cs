using System.Diagnostics;
using System.Text.Json;
using VaeGpu.Analysis;
using VaeGpu.Cli.Configuration;
using VaeGpu.Cli.Runs;
using VaeGpu.Data;
using VaeGpu.Io;
using VaeGpu.Training;

namespace VaeGpu.Cli.Commands;

/// <summary>
/// "eval": test −ELBO, reconstruction NLL and KL of a saved model with sampled z, and with --iw K
/// (default Analysis:ImportanceSamples = 100; 0 skips it) the importance-weighted −log p(x) and
/// bits/dim. Prints them and writes eval.json (or --out), "complete": true. The importance sampling
/// is the long part: after its first second it says how long it will take and what --iw 100 or 0
/// would take. A stop (Ctrl-C, SIGTERM) there writes the −ELBO part, "complete": false; a stop
/// before the −ELBO is done writes nothing and says so.
/// </summary>
public sealed class EvalCommand(CliConsole console, Func<StopSignal>? stopSignal = null) : ICommand
{
    /// <summary>The shorter K that the estimate line offers.</summary>
    public const int QuickImportanceSamples = 100;

    public string Name => "eval";

    public string Summary => "Test -ELBO and importance-weighted -log p(x) of a trained run (--run RUNDIR [--iw K] [--data DIR] [--out FILE.json]).";

    public Configuration.CommandSwitches Switches => Configuration.CommandSwitches.Eval;

    public int Run(string[] args)
    {
        using StopSignal stop = (stopSignal ?? StopSignal.Listen)();
        using SavedRun saved = SavedRun.Open(CommandSwitches.Eval, args);
        int samples = saved.Validator.ImportanceSamples();
        int batchSize = saved.Validator.EvalBatchSize();
        string path = saved.OutputPath("eval.json");
        DataSplit data = saved.Data(console);
        console.Out.WriteLine($"run: {saved.Run.Path} (epoch {saved.Checkpoint.Epoch}, step {saved.Checkpoint.Step})");
        console.Out.WriteLine($"data: {data.Description}");
        console.Out.WriteLine($"device: {saved.Accelerator.Name}");

        using var scorer = new ExampleScorer(saved.Model, data.Test, batchSize, saved.Checkpoint.Seed);
        if (stop.IsRequested(0)) return Stopped(stop, "before the -ELBO was computed: nothing was written");
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
            console.Error.WriteLine($"importance sampling: K = {samples:N0} per {(data.Test.IsTable ? "record" : "image")} over {elbo.Count:N0} " +
                $"{data.Test.Noun} ({(long)samples * elbo.Count:N0} decoder passes); the time it takes follows after its first second");
            var clock = Stopwatch.StartNew();
            double[] nll;
            try
            {
                nll = scorer.NegativeLogLikelihood(samples, p => console.Error.WriteLine(p.First
                        ? EstimateLine(p, samples, elbo.Count)
                        : $"  importance sampling: {100.0 * p.RowsDone / p.RowsTotal:F1}% ({p.ExamplesDone:N0} of {elbo.Count:N0} {data.Test.Noun}), " +
                          $"{p.Elapsed.TotalSeconds:F0} s, about {(p.Estimate(p.RowsTotal) - p.Elapsed).TotalSeconds:F0} s left"),
                    stopAfter: batches => stop.IsRequested(batches));
            }
            catch (OperationCanceledException e)
            {
                // What is done is the -ELBO part: written, and marked as all the file holds.
                report["complete"] = false;
                report["importance_samples"] = samples;
                report["importance_sampling"] = $"{e.Message} (stopped by {stop.Signal}): -log p(x) not computed";
                Write(path, report);
                return Stopped(stop, $"during importance sampling ({e.Message}): wrote the -ELBO part to {path}, marked incomplete");
            }
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
        report["complete"] = true;
        Write(path, report);
        console.Out.WriteLine($"wrote {path}");
        return CliApp.Success;
    }

    /// <summary>"about 38 min in all on this device (from its first second); --iw 100: about 46 s, --iw 0 skips it".</summary>
    public static string EstimateLine(ScoringProgress first, int samples, int examples)
    {
        string quick = samples > QuickImportanceSamples
            ? $"--iw {QuickImportanceSamples} would take about {Duration(first.Estimate((long)QuickImportanceSamples * examples))}, "
            : "";
        return $"  importance sampling will take about {Duration(first.Estimate(first.RowsTotal))} in all on this device " +
            $"(measured over its first {first.Elapsed.TotalSeconds:F1} s); {quick}--iw 0 skips it";
    }

    private static string Duration(TimeSpan time) => time.TotalSeconds switch
    {
        < 90 => $"{time.TotalSeconds:F0} s",
        < 5400 => $"{time.TotalMinutes:F0} min",
        _ => $"{time.TotalHours:F1} h",
    };

    private int Stopped(StopSignal stop, string what)
    {
        console.Error.WriteLine($"stopped by {stop.Signal} {what}");
        return stop.ExitCode;
    }

    private static void Write(string path, Dictionary<string, object?> report) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(report, new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // "28×28", not "28\u00D728"
        }) + "\n");

    /// <summary>Nats per image → bits per pixel.</summary>
    public static double BitsPerDim(double nats, int pixels) => nats / (pixels * Math.Log(2));
}
