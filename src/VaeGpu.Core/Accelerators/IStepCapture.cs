namespace VaeGpu.Accelerators;

/// <summary>
/// An accelerator that can record a sequence of ops once and replay it (CUDA graphs). While
/// <see cref="Capture"/> runs its action, ops are recorded, not run; only ops may be issued then (no
/// Allocate, Upload, Download or Synchronize), and every scratch buffer an op needs must already
/// exist, so run the op sequence once before capturing it. A replay runs the recorded launches with
/// the arguments they were recorded with: whatever changes between replays lives in device buffers
/// that the ops read (the step counter, the batch cursor).
/// </summary>
public interface IStepCapture
{
    /// <summary>Whether this accelerator can capture at all (CUDA can; ILGPU's CPU accelerator cannot).</summary>
    bool CanCapture { get; }

    /// <summary>Records the ops that <paramref name="ops"/> issues, without running them.</summary>
    ICapturedOps Capture(Action ops);
}

/// <summary>A recorded op sequence. Dispose it before its accelerator.</summary>
public interface ICapturedOps : IDisposable
{
    /// <summary>Issues the recorded ops again, in order, on the accelerator's stream.</summary>
    void Replay();
}
