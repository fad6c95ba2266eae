namespace VaeGpu.Training;

/// <summary>
/// Means per example over one epoch's training pass. Loss is −ELBO = recon + KL (β = 1, whatever β
/// was trained with, so that runs compare); seconds and throughput cover the training pass alone.
/// </summary>
/// <param name="Stopped">Set when a stop request ended the epoch early: where it stopped, for a mid-epoch checkpoint.</param>
public sealed record EpochResult(int Epoch, double Loss, double Recon, double Kl, double Seconds, double SamplesPerSecond,
    PartialEpoch? Stopped = null)
{
    /// <summary>The lowest per-example loss of any single step in this epoch (NaN when none was read), for divergence warnings.</summary>
    public double LowestStepLoss { get; init; } = double.NaN;
}

/// <summary>Means per example of −ELBO and its two terms on a held-out set, with sampled z.</summary>
public sealed record EvaluationResult(double Loss, double Recon, double Kl, int Examples);

/// <summary>Where the training pass is, for a progress display.</summary>
public readonly record struct TrainingProgress(
    int Epoch, int Step, int StepsPerEpoch, double MeanLoss, double MeanKl, double SamplesPerSecond);
