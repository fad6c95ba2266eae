using VaeGpu.Model;
using VaeGpu.Training;

namespace VaeGpu.Io.Checkpoints;

/// <summary>
/// Everything needed to resume training exactly where it stopped. The arrays are compared by
/// reference by the record's equality, like any array member.
/// </summary>
/// <param name="ConfigJson">The effective configuration the run was started with, kept verbatim.</param>
/// <param name="Epoch">Completed epochs: training resumes with epoch number <paramref name="Epoch"/>.</param>
/// <param name="State">The model: parameters, Adam moments and the completed step count, as the device holds them.</param>
/// <param name="Partial">Set for a mid-epoch checkpoint (a stop or Training:CheckpointEverySteps): how far epoch
/// <paramref name="Epoch"/> + 1 got. Null when the checkpoint ends an epoch.</param>
public sealed record CheckpointData(
    string ConfigJson,
    VaeArchitecture Architecture,
    ulong Seed,
    int Epoch,
    ModelState State,
    PartialEpoch? Partial = null)
{
    // Shortcuts into State for readers; the state itself is stored once.
    public long Step => State.Step;
    public float[] Parameters => State.Parameters;
    public float[] AdamM => State.AdamM;
    public float[] AdamV => State.AdamV;
}
