namespace VaeGpu.Training;

/// <summary>
/// What the steps of an epoch have added up, as far as the loss log has been read: a read-only view,
/// so that only <see cref="TrainingStep"/> drives the log's record/read protocol.
/// </summary>
public interface ILossSums
{
    /// <summary>Summed reconstruction NLL of the examples read so far this epoch.</summary>
    double Recon { get; }

    /// <summary>Summed KL of the examples read so far this epoch.</summary>
    double Kl { get; }

    /// <summary>The lowest per-example loss of one step read so far (NaN before any): the yardstick for divergence.</summary>
    double LowestStepLoss { get; }
}
