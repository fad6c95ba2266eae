namespace VaeGpu.Training;

/// <summary>
/// Means per example over one epoch's training pass. Loss is −ELBO = recon + KL (β = 1, whatever β
/// was trained with, so that runs compare); seconds and throughput cover the training pass alone.
/// </summary>
public sealed record EpochResult(int Epoch, double Loss, double Recon, double Kl, double Seconds, double SamplesPerSecond);

/// <summary>Means per example of −ELBO and its two terms on a held-out set, with sampled z.</summary>
public sealed record EvaluationResult(double Loss, double Recon, double Kl, int Examples);

/// <summary>Where the training pass is, for a progress display.</summary>
public readonly record struct TrainingProgress(
    int Epoch, int Step, int StepsPerEpoch, double MeanLoss, double MeanKl, double SamplesPerSecond);
