using Spectre.Console;
using VaeGpu.Cli.Commands;
using VaeGpu.Training;

namespace VaeGpu.Cli.Training;

/// <summary>
/// Shows training as it goes: a Spectre.Console progress bar (loss, KL, samples/s, ETA) in an
/// interactive terminal, and one plain line per epoch when the output is redirected (logs, CI). In a
/// terminal every line is fitted to its width: a line that wraps under a live display leaves pieces
/// of the bar in the scrollback.
/// </summary>
public sealed class TrainingReporter(CliConsole console)
{
    // Percentage ("100%") and remaining time ("00:00:00") columns, and the spaces between four columns.
    private const int FixedColumns = 4 + 8 + 3;
    private const int MinBar = 10, MaxBar = 40;

    /// <summary>Runs <paramref name="epochs"/> with a live display; each epoch reports through the callback it is given.</summary>
    public void Run(int firstEpoch, int lastEpoch, int stepsPerEpoch, Action<Action<TrainingProgress>> epochs)
    {
        if (!console.IsTerminal)
        {
            epochs(_ => { });
            return;
        }
        int usable = Usable;
        int bar = Math.Clamp(usable - FixedColumns - 45, MinBar, MaxBar);
        int descriptionWidth = Math.Max(10, usable - FixedColumns - bar);
        console.Rich.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = bar },
                new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                int totalSteps = (lastEpoch - firstEpoch + 1) * stepsPerEpoch;
                ProgressTask task = context.AddTask("starting", maxValue: totalSteps);
                epochs(progress =>
                {
                    task.Value = (progress.Epoch - firstEpoch) * stepsPerEpoch + progress.Step;
                    task.Description = Markup.Escape(ProgressText(progress, lastEpoch, descriptionWidth));
                });
            });
    }

    /// <summary>Columns a line may use: one less than the terminal's, so the cursor never wraps.</summary>
    private int Usable => console.Width == int.MaxValue ? int.MaxValue : Math.Max(20, console.Width - 1);

    public static string ProgressText(TrainingProgress progress, int lastEpoch, int width) => Fit(width,
        $"epoch {progress.Epoch}/{lastEpoch}  loss {progress.MeanLoss:F2}  KL {progress.MeanKl:F2}  {progress.SamplesPerSecond:N0} samples/s",
        $"epoch {progress.Epoch}/{lastEpoch} loss {progress.MeanLoss:F2} KL {progress.MeanKl:F2} {progress.SamplesPerSecond:N0}/s",
        $"{progress.Epoch}/{lastEpoch} loss {progress.MeanLoss:F1}");

    /// <summary>The epoch's line, in the longest form that fits the terminal.</summary>
    public string EpochSummary(int epoch, int lastEpoch, EpochResult result, EvaluationResult test) => Fit(Usable,
        $"epoch {epoch}/{lastEpoch}  train {result.Loss:F2}  test {test.Loss:F2} " +
        $"(recon {test.Recon:F2}, KL {test.Kl:F2})  {result.Seconds:F1} s  {result.SamplesPerSecond:N0} samples/s",
        $"epoch {epoch}/{lastEpoch} train {result.Loss:F2} test {test.Loss:F2} (recon {test.Recon:F2}, KL {test.Kl:F2}) " +
        $"{result.Seconds:F1}s {result.SamplesPerSecond:N0}/s",
        $"epoch {epoch}/{lastEpoch} train {result.Loss:F2} test {test.Loss:F2} {result.Seconds:F0}s");

    /// <summary>The first form no wider than <paramref name="width"/>, else the last one cut to fit.</summary>
    public static string Fit(int width, params string[] forms)
    {
        foreach (string form in forms)
            if (form.Length <= width) return form;
        string last = forms[^1];
        return width <= 1 ? last[..Math.Max(0, width)] : last[..(width - 1)] + "…";
    }

    /// <summary>
    /// A plain line. Not cut to the width: a path in it must stay whole, and the lines that come while the
    /// live display runs (the epoch summaries) are fitted where they are made, in <see cref="EpochSummary"/>.
    /// </summary>
    public void Line(string text)
    {
        if (console.IsTerminal) console.Rich.WriteLine(text, Style.Plain);
        else console.Out.WriteLine(text);
    }
}
