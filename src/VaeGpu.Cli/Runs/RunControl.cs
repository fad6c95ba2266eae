using System.Diagnostics;
using VaeGpu.Training;

namespace VaeGpu.Cli.Runs;

/// <summary>
/// The trainer's between-steps questions, answered for the CLI: stop when a signal came, and save a
/// mid-epoch checkpoint every <c>Training:CheckpointEverySteps</c> steps, or (0, the default) every
/// <see cref="DefaultInterval"/> of training, which is "a few minutes' worth of steps at the measured
/// speed" without having to measure the speed first.
/// </summary>
public sealed class RunControl(StopSignal stop, Func<long> completedSteps, int everySteps, Action<PartialEpoch> save) : ITrainingControl
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(5);

    private readonly Stopwatch _sinceCheckpoint = Stopwatch.StartNew();

    public bool StopRequested => stop.IsRequested(completedSteps());

    public bool CheckpointDue(int stepsInEpoch) =>
        everySteps > 0 ? stepsInEpoch % everySteps == 0 : _sinceCheckpoint.Elapsed >= DefaultInterval;

    public void SaveCheckpoint(PartialEpoch partial)
    {
        save(partial);
        _sinceCheckpoint.Restart();
    }

    /// <summary>An epoch's checkpoint also restarts the clock.</summary>
    public void Saved() => _sinceCheckpoint.Restart();
}
