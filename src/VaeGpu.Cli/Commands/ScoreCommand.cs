using System.Globalization;
using System.Text;
using VaeGpu.Analysis;
using VaeGpu.Cli.Configuration;
using VaeGpu.Data;
using VaeGpu.Io;

namespace VaeGpu.Cli.Commands;

/// <summary>
/// "score": one anomaly score per test image (−ELBO, or −log p(x) with --iw K) into a CSV. When the
/// run left a class out of training (train --exclude-class C) and the images have labels, it also
/// reports the ROC-AUC of telling class C from the rest by the score.
/// </summary>
public sealed class ScoreCommand(CliConsole console) : ICommand
{
    public string Name => "score";

    public string Summary => "Anomaly score per test image, -ELBO or -log p(x) with --iw K, and the held-out class's ROC-AUC (--run RUNDIR [--data DIR] [--iw K] [--out FILE.csv]).";

    public Configuration.CommandSwitches Switches => Configuration.CommandSwitches.Score;

    public int Run(string[] args)
    {
        using SavedRun saved = SavedRun.Open(CommandSwitches.Score, args);
        int samples = saved.Validator.ScoreImportanceSamples();
        int batchSize = saved.Validator.EvalBatchSize();
        int? heldOut = saved.Validator.ExcludeClass();
        string path = saved.OutputPath("scores.csv");
        DataSplit data = saved.Data(console);
        ImageSet images = data.Test;

        using var scorer = new ExampleScorer(saved.Model, images, batchSize, saved.Checkpoint.Seed);
        double[] scores = samples == 0
            ? scorer.Elbo().Losses()
            : scorer.NegativeLogLikelihood(samples, p => console.Error.WriteLine(
                $"  importance sampling: {100.0 * p.RowsDone / p.RowsTotal:F1}% ({p.ExamplesDone:N0} of {images.Count:N0} images), {p.Elapsed.TotalSeconds:F0} s"));
        string column = samples == 0 ? "neg_elbo" : "neg_log_px";
        WriteCsv(path, column, scores, images.Labels);
        string what = samples == 0 ? "-ELBO" : $"-log p(x) (K = {samples:N0})";
        console.Out.WriteLine($"data: {data.Description}");
        console.Out.WriteLine($"scored {images.Count:N0} test images by {what}: mean {scores.Average():F3} nats");

        if (heldOut is int label)
        {
            if (images.Labels is not { } labels)
            {
                console.Out.WriteLine($"no ROC-AUC: the test images have no labels to find class {label} by");
            }
            else
            {
                bool[] positive = labels.Select(l => l == label).ToArray();
                int count = positive.Count(p => p);
                double auc = AnalysisMath.RocAuc(scores, positive);
                console.Out.WriteLine(double.IsNaN(auc)
                    ? $"no ROC-AUC: the test set has {count} images of class {FashionMnistClasses.Describe(label)} and {images.Count - count} others"
                    : $"ROC-AUC {auc:F4} for telling held-out class {FashionMnistClasses.Describe(label)} ({count:N0} images) " +
                      $"from the other {images.Count - count:N0} by {what}");
            }
        }
        console.Out.WriteLine($"wrote {path}");
        return CliApp.Success;
    }

    private static void WriteCsv(string path, string column, double[] scores, byte[]? labels)
    {
        var csv = new StringBuilder(labels is null ? $"index,{column}\n" : $"index,label,{column}\n");
        for (int i = 0; i < scores.Length; i++)
        {
            csv.Append(i.ToString(CultureInfo.InvariantCulture)).Append(',');
            if (labels is not null) csv.Append(labels[i].ToString(CultureInfo.InvariantCulture)).Append(',');
            csv.Append(scores[i].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
        AtomicFile.WriteAllText(path, csv.ToString());
    }
}
