using System.Globalization;
using System.Text;
using VaeGpu.Analysis;
using VaeGpu.Cli.Configuration;
using VaeGpu.Data;
using VaeGpu.Io;
using VaeGpu.Cli.Runs;

namespace VaeGpu.Cli.Commands;

/// <summary>
/// "score": one anomaly score per record (−ELBO, or −log p(x) with --iw K) into a CSV, in input
/// order: the run's test set, or with --input any file or folder in the run's format that training
/// never saw. --threshold P flags the records scoring above the P-th percentile of the training
/// scores stored by train. When the run left a class out of training (train --exclude-class C) and
/// the records have labels, it also reports the ROC-AUC of telling class C from the rest.
/// </summary>
public sealed class ScoreCommand(CliConsole console) : ICommand
{
    public string Name => "score";

    public string Summary => "Anomaly score per record, -ELBO or -log p(x) with --iw K (--run RUNDIR [--input FILE|DIR] [--threshold P] [--iw K] [--out FILE.csv]).";

    public Configuration.CommandSwitches Switches => Configuration.CommandSwitches.Score;

    public int Run(string[] args)
    {
        using SavedRun saved = SavedRun.Open(CommandSwitches.Score, args);
        int samples = saved.Validator.ScoreImportanceSamples();
        int batchSize = saved.Validator.EvalBatchSize();
        int? heldOut = saved.Validator.ExcludeClass();
        double? percentile = saved.Validator.Threshold();
        string path = saved.OutputPath("scores.csv");
        // Read everything that can be wrong before any work, so a mistake leaves no file behind.
        double? threshold = percentile is double p ? TrainScores.Load(saved.Run.File(TrainScores.FileName)).Threshold(p) : null;
        (ImageSet images, string description) = saved.InputOrTest(console);
        string noun = images.Noun;

        using var scorer = new ExampleScorer(saved.Model, images, batchSize, saved.Checkpoint.Seed);
        double[] scores = samples == 0
            ? scorer.Elbo().Losses()
            : scorer.NegativeLogLikelihood(samples, p => console.Error.WriteLine(
                $"  importance sampling: {100.0 * p.RowsDone / p.RowsTotal:F1}% ({p.ExamplesDone:N0} of {images.Count:N0} {noun}), {p.Elapsed.TotalSeconds:F0} s"));
        string column = samples == 0 ? "neg_elbo" : "neg_log_px";
        WriteCsv(path, column, scores, images, threshold);
        string what = samples == 0 ? "-ELBO" : $"-log p(x) (K = {samples:N0})";
        console.Out.WriteLine($"data: {description}");
        console.Out.WriteLine($"scored {images.Count:N0} {noun} by {what}: mean {scores.Average():F3} nats");
        if (threshold is double t)
        {
            int flagged = scores.Count(s => s > t);
            string warning = samples == 0 ? "" : " (the stored training scores are -ELBO, an upper bound of -log p(x): fewer records cross it)";
            console.Out.WriteLine($"flagged {flagged:N0} of {images.Count:N0} {noun} above the {percentile:0.###}th percentile of the training scores ({t:F3} nats){warning}");
        }

        if (heldOut is int label)
        {
            if (images.Labels is not { } labels)
            {
                console.Out.WriteLine($"no ROC-AUC: the records have no labels to find class {label} by");
            }
            else
            {
                bool[] positive = labels.Select(l => l == label).ToArray();
                int count = positive.Count(p => p);
                double auc = AnalysisMath.RocAuc(scores, positive);
                string name = ClassName(images, label);
                console.Out.WriteLine(double.IsNaN(auc)
                    ? $"no ROC-AUC: the data has {count} records of class {name} and {images.Count - count} others"
                    : $"ROC-AUC {auc:F4} for telling held-out class {name} ({count:N0} {noun}) " +
                      $"from the other {images.Count - count:N0} by {what}");
            }
        }
        console.Out.WriteLine($"wrote {path}");
        return CliApp.Success;
    }

    /// <summary>The class name a table or folder gave the label, else Fashion-MNIST's (the IDX default).</summary>
    public static string ClassName(ImageSet images, int label) =>
        images.LabelNames is { } names ? (label < names.Count ? $"{label} ({names[label]})" : label.ToString(CultureInfo.InvariantCulture))
        : images.IsTable || images.Ids is not null ? label.ToString(CultureInfo.InvariantCulture)
        : FashionMnistClasses.Describe(label);

    /// <summary>One row per record in input order: its index (or id), label, score and, with a threshold, whether it is flagged.</summary>
    private static void WriteCsv(string path, string column, double[] scores, ImageSet images, double? threshold)
    {
        var csv = new StringBuilder(images.Ids is null ? "index" : "index,id");
        if (images.Labels is not null) csv.Append(",label");
        csv.Append(',').Append(column);
        if (threshold is not null) csv.Append(",flagged");
        csv.Append('\n');
        for (int i = 0; i < scores.Length; i++)
        {
            csv.Append(i.ToString(CultureInfo.InvariantCulture));
            if (images.Ids is { } ids) csv.Append(',').Append(RunTables.Quote(ids[i]));
            if (images.Labels is { } labels)
                csv.Append(',').Append(images.LabelNames is { } names ? RunTables.Quote(names[labels[i]]) : labels[i].ToString(CultureInfo.InvariantCulture));
            csv.Append(',').Append(scores[i].ToString("R", CultureInfo.InvariantCulture));
            if (threshold is double t) csv.Append(',').Append(scores[i] > t ? '1' : '0');
            csv.Append('\n');
        }
        AtomicFile.WriteAllText(path, csv.ToString());
    }
}
