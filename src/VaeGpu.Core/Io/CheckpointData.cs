using VaeGpu.Model;
using VaeGpu.Training;

namespace VaeGpu.Io;

/// <summary>
/// Everything needed to resume training exactly where it stopped. The arrays are compared by
/// reference by the record's equality, like any array member.
/// </summary>
/// <param name="ConfigJson">The effective configuration the run was started with, kept verbatim.</param>
/// <param name="Epoch">Completed epochs: training resumes with epoch number <paramref name="Epoch"/>.</param>
/// <param name="Step">Completed optimizer steps (the device step counter).</param>
/// <param name="Parameters">The flat parameter buffer.</param>
/// <param name="AdamM">Adam's first moments, one per parameter.</param>
/// <param name="AdamV">Adam's second moments, one per parameter.</param>
/// <param name="Partial">Set for a mid-epoch checkpoint (a stop or Training:CheckpointEverySteps): how far epoch
/// <paramref name="Epoch"/> + 1 got. Null when the checkpoint ends an epoch.</param>
public sealed record CheckpointData(
    string ConfigJson,
    VaeArchitecture Architecture,
    ulong Seed,
    int Epoch,
    long Step,
    float[] Parameters,
    float[] AdamM,
    float[] AdamV,
    PartialEpoch? Partial = null);
