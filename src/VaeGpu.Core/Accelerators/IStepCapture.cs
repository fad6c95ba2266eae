namespace VaeGpu.Accelerators;

/// <summary>
/// An accelerator that can record a sequence of ops once and replay it (CUDA graphs). Between
/// <see cref="BeginCapture"/> and <see cref="EndCapture"/> ops are recorded, not run; only ops may be
/// issued then (no Allocate, Upload, Download or Synchronize), and every buffer an op needs (including
/// internal scratch such as ElboOutput's partial sums) must already exist, so run the op sequence
/// once before capturing it. A replay runs the recorded launches with the arguments they were
/// recorded with: values that must change between replays have to live in device buffers that the
/// ops read (as the step counter does, which <see cref="IAccelerator.AdvanceCounter"/> increments).
///
/// Not used by the Trainer yet. A whole training step as one graph also needs, on the device:
/// the batch cursor (GatherRows takes the permutation slice as a host-side offset, which differs
/// every step: it needs an index buffer read through a device-side step/cursor value) and the
/// loss-log slot (the reduced losses go to slot step % ReportEvery, again a host-side offset per
/// step). With both read from device buffers the step's op list is invariant and can be captured
/// once per epoch shape (the last, shorter batch needs its own graph).
/// </summary>
public interface IStepCapture
{
    /// <summary>Starts recording the ops issued from now on instead of running them.</summary>
    void BeginCapture();

    /// <summary>Stops recording and returns the recorded ops, ready to replay.</summary>
    ICapturedOps EndCapture();
}

/// <summary>A recorded op sequence. Dispose it before its accelerator.</summary>
public interface ICapturedOps : IDisposable
{
    /// <summary>Queues the recorded ops once more (asynchronously, in order with every other op).</summary>
    void Replay();
}
