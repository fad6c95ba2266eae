namespace VaeGpu.Io;

/// <summary>One row of metrics.csv: the losses and speed of one finished epoch (losses per image).</summary>
public sealed record EpochMetrics(
    int Epoch,
    double TrainLoss,
    double TestLoss,
    double TestRecon,
    double TestKl,
    double Seconds,
    double SamplesPerSecond);
