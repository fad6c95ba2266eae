using VaeGpu.Kernels;
namespace VaeGpu.Accelerators;

/// <summary>
/// The fusion points of <see cref="IAccelerator"/> as the plain ops they stand for, written once: the
/// interface's default methods run them, and an ILGPU accelerator at `Kernels:Step` 1 (no fused
/// launcher loaded) runs them too. A fused kernel must give these bits.
/// </summary>
public static class UnfusedStep
{
    /// <summary><see cref="IAccelerator.GatherBatch"/> into <paramref name="input"/>, then <see cref="IAccelerator.LinearForward"/> of it.</summary>
    public static void GatherBatchLinearForward(IAccelerator accelerator, DeviceSpan<byte> images, DeviceSpan<int> order, DeviceSpan<uint> cursor,
        int batchSize, DeviceSpan<float> input, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        int rows, int inFeatures, int outFeatures, Activation activation)
    {
        accelerator.GatherBatch(images, order, cursor, batchSize, input, rows, inFeatures);
        accelerator.LinearForward(input, w, b, y, rows, inFeatures, outFeatures, activation);
    }

    /// <summary>The head (<see cref="IAccelerator.LinearForward"/>, Identity, 2·latent outputs), then <see cref="IAccelerator.Reparameterize"/> of it.</summary>
    public static void HeadAndReparameterize(IAccelerator accelerator, DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b,
        DeviceSpan<float> head, DeviceSpan<float> z, DeviceSpan<float> eps, DeviceSpan<float> kl, int rows, int inFeatures, int latent,
        LogVarClamp clamp, NoiseSource noise, DeviceSpan<uint> counter)
    {
        accelerator.LinearForward(x, w, b, head, rows, inFeatures, 2 * latent, Activation.Identity);
        accelerator.Reparameterize(head, z, eps, kl, rows, latent, clamp, noise, counter);
    }

    /// <summary>Σ nll and Σ kl into the cursor's slot of the (recon, KL) log, then the step counter and the cursor advance: four ops.</summary>
    public static void FinishStep(IAccelerator accelerator, DeviceSpan<float> nll, DeviceSpan<float> kl, DeviceSpan<float> log,
        DeviceSpan<uint> stepCounter, DeviceSpan<uint> cursor)
    {
        OpShapes.FinishStep(accelerator, nll, kl, log, stepCounter, cursor);
        accelerator.ReduceToSlot(nll, log, 2, 0, cursor);
        accelerator.ReduceToSlot(kl, log, 2, 1, cursor);
        accelerator.AdvanceCounter(stepCounter);
        accelerator.AdvanceCounter(cursor);
    }
}
