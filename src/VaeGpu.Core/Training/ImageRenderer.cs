using VaeGpu.Accelerators;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Random;

namespace VaeGpu.Training;

/// <summary>Pictures of what a model has learnt: decoded prior samples and reconstructions.</summary>
public static class ImageRenderer
{
    /// <summary>Pixel means of <paramref name="count"/> decoded z ~ N(0, I) (Philox stream PriorSamples).</summary>
    public static float[] SamplePrior(VaeModel model, int count, ulong seed)
    {
        IAccelerator accelerator = model.Accelerator;
        using var workspace = new VaeWorkspace(accelerator, model.Layout, count);
        using DeviceBuffer<uint> counter = Zero(accelerator);
        // A head of zeros is μ = 0, logvar = 0, so Reparameterize draws z = ε from the prior.
        accelerator.Upload<float>(workspace.Head(count), new float[count * 2 * model.Layout.Latent]);
        VaePasses.Sample(model, workspace, count, new NoiseSource(seed, NoiseStreams.PriorSamples), counter);
        VaePasses.DecodeMeans(model, workspace, count);
        return Download(accelerator, workspace.Output(count));
    }

    /// <summary>
    /// The given images followed by their reconstructions, decoded from the posterior mean z = μ
    /// (temperature 0) so the picture does not change from one call to the next.
    /// </summary>
    public static float[] InputsAndReconstructions(VaeModel model, ImageSet images, IReadOnlyList<int> indices)
    {
        int count = indices.Count, size = images.PixelsPerImage;
        var inputs = new float[count * size];
        for (int i = 0; i < count; i++) images.ImageAsFloats(indices[i]).CopyTo(inputs, i * size);
        return InputsAndReconstructions(model, inputs, count);
    }

    /// <summary><paramref name="inputs"/> ([count × pixels], values in [0, 1]) followed by their reconstructions from z = μ.</summary>
    public static float[] InputsAndReconstructions(VaeModel model, float[] inputs, int count)
    {
        IAccelerator accelerator = model.Accelerator;
        using var workspace = new VaeWorkspace(accelerator, model.Layout, count);
        using DeviceBuffer<uint> counter = Zero(accelerator);
        accelerator.Upload<float>(workspace.Input(count), inputs);
        VaePasses.Encode(model, workspace, count);
        VaePasses.Sample(model, workspace, count, new NoiseSource(0, NoiseStreams.EvalNoise, Temperature: 0f), counter);
        VaePasses.DecodeMeans(model, workspace, count);
        float[] reconstructions = Download(accelerator, workspace.Output(count));
        return [.. inputs, .. reconstructions];
    }

    /// <summary>
    /// The noise counter (Philox step 0). A device buffer starts with whatever the device memory held
    /// (only the CPU's are zero), and a counter read unset once drew other prior samples on every ILGPU device.
    /// </summary>
    private static DeviceBuffer<uint> Zero(IAccelerator accelerator)
    {
        DeviceBuffer<uint> counter = accelerator.Allocate<uint>(1);
        accelerator.Upload<uint>(counter, [0u]);
        return counter;
    }

    private static float[] Download(IAccelerator accelerator, DeviceSpan<float> span)
    {
        var host = new float[span.Length];
        accelerator.Download(span, host);
        return host;
    }
}
