using VaeGpu.Accelerators;

namespace VaeGpu.Training;

/// <summary>How to train: validated values, ready for the trainer.</summary>
/// <param name="ReportEvery">Steps between loss read-backs (progress and the NaN/Inf check).</param>
public sealed record TrainingSettings(
    int Epochs,
    int BatchSize,
    ulong Seed,
    KlWeight KlWeight,
    AdamSettings Adam,
    int ReportEvery = 20)
{
    /// <summary>Where the accelerator can capture ops (CUDA), replay one captured graph per step.</summary>
    public bool CaptureSteps { get; init; } = true;
}
