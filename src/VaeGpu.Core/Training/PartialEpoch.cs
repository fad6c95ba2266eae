namespace VaeGpu.Training;

/// <summary>
/// How far an unfinished epoch got: what a mid-epoch checkpoint stores so that a resumed run continues
/// bit for bit. The batch order is a function of (seed, epoch) and the noise of (seed, step), so the
/// step count alone says where to go on; the loss sums carry the epoch's metrics row across the stop.
/// </summary>
/// <param name="Epoch">The epoch in progress, counting from 1.</param>
/// <param name="StepsDone">Steps of this epoch completed, 1 or more and fewer than the epoch has.</param>
/// <param name="ExamplesDone">Training images those steps consumed.</param>
/// <param name="Recon">Sum of the reconstruction term over those images, added in step order.</param>
/// <param name="Kl">Sum of the KL term over those images, added in step order.</param>
/// <param name="Seconds">Training time spent on this epoch so far, for its throughput figure.</param>
public sealed record PartialEpoch(int Epoch, int StepsDone, int ExamplesDone, double Recon, double Kl, double Seconds);

/// <summary>
/// What the host loop asks between steps: whether to stop (Ctrl-C, SIGTERM) and whether to save a
/// mid-epoch checkpoint now. Checked after every step; both answers are cheap.
/// </summary>
public interface ITrainingControl
{
    /// <summary>True once a stop has been asked for; the trainer then ends the epoch early and returns.</summary>
    bool StopRequested { get; }

    /// <summary>True when a mid-epoch checkpoint is due after <paramref name="stepsInEpoch"/> steps of the epoch.</summary>
    bool CheckpointDue(int stepsInEpoch);

    /// <summary>Saves the model with <paramref name="partial"/>; the trainer has read every loss back first.</summary>
    void SaveCheckpoint(PartialEpoch partial);
}
