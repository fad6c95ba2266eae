using Spectre.Console;
using VaeGpu.Cli.Commands;
using VaeGpu.Training;

namespace VaeGpu.Cli.Training;

/// <summary>
/// Shows training as it goes: a Spectre.Console progress bar (loss, KL, samples/s, ETA) in an
/// interactive terminal, and one plain line per epoch when the output is redirected (logs, CI).
/// </summary>
public sealed class TrainingReporter(CliConsole console)
{
    /// <summary>Runs <paramref name="epochs"/> with a live display; each epoch reports through the callback it is given.</summary>
    public void Run(int firstEpoch, int lastEpoch, int stepsPerEpoch, Action<Action<TrainingProgress>> epochs)
    {
        if (!console.IsTerminal)
        {
            epochs(_ => { });
            return;
        }
        console.Rich.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                int totalSteps = (lastEpoch - firstEpoch + 1) * stepsPerEpoch;
                ProgressTask task = context.AddTask("starting", maxValue: totalSteps);
                epochs(progress =>
                {
                    task.Value = (progress.Epoch - firstEpoch) * stepsPerEpoch + progress.Step;
                    task.Description = Markup.Escape(
                        $"epoch {progress.Epoch}/{lastEpoch}  loss {progress.MeanLoss:F2}  KL {progress.MeanKl:F2}  " +
                        $"{progress.SamplesPerSecond:N0} samples/s");
                });
            });
    }

    public void Line(string text)
    {
        if (console.IsTerminal) console.Rich.WriteLine(text);
        else console.Out.WriteLine(text);
    }
}
