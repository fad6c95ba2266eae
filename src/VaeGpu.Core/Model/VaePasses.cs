using VaeGpu.Accelerators;
using VaeGpu.Kernels;

namespace VaeGpu.Model;

/// <summary>
/// The VAE's forward and backward passes as flat lists of op calls, written once for every
/// accelerator. The batch is in <see cref="VaeWorkspace.Input"/>; results stay in the workspace.
/// </summary>
public static class VaePasses
{
    /// <summary>Encoder to (μ, logvar) in the workspace head.</summary>
    public static void Encode(VaeModel model, VaeWorkspace workspace, int rows)
    {
        DeviceSpan<float> input = EncodeHidden(model, workspace, rows, training: false);
        LinearLayer head = model.Layout.Head;
        model.Accelerator.LinearForward(input, head.Weights(model.Parameters), head.Bias(model.Parameters), workspace.Head(rows),
            rows, head.InFeatures, head.OutFeatures, Activation.Identity);
    }

    /// <summary>
    /// Encoder hidden layers from the input; returns the last hidden activation (the head's input). With a
    /// <paramref name="batch"/>, the input is first gathered from it, together with the first layer where
    /// there is one (<see cref="IAccelerator.GatherBatchLinearForward"/>: a fusion point). <paramref name="training"/>: a
    /// convolutional model's BatchNorms use the batch's statistics (and move the running ones), not the running ones.
    /// </summary>
    private static DeviceSpan<float> EncodeHidden(VaeModel model, VaeWorkspace workspace, int rows, bool training, BatchAtCursor? batch = null)
    {
        if (model.Layout.IsConv) return ConvPasses.EncodeHidden(model, workspace, rows, batch, training);
        IAccelerator accelerator = model.Accelerator;
        VaeLayout layout = model.Layout;
        DeviceSpan<float> input = workspace.Input(rows);
        int first = 0;
        if (batch is { } at && layout.Encoder.Count == 0)
            accelerator.GatherBatch(at.Images, at.Order, at.Cursor, at.BatchSize, input, rows, layout.InputSize);
        else if (batch is { } gathered)
        {
            LinearLayer layer = layout.Encoder[0];
            DeviceSpan<float> output = workspace.Encoder(0, rows);
            accelerator.GatherBatchLinearForward(gathered.Images, gathered.Order, gathered.Cursor, gathered.BatchSize, input,
                layer.Weights(model.Parameters), layer.Bias(model.Parameters), output, rows, layer.InFeatures, layer.OutFeatures,
                layer.Activation);
            input = output;
            first = 1;
        }
        for (int i = first; i < layout.Encoder.Count; i++)
        {
            LinearLayer layer = layout.Encoder[i];
            DeviceSpan<float> output = workspace.Encoder(i, rows);
            accelerator.LinearForward(input, layer.Weights(model.Parameters), layer.Bias(model.Parameters), output,
                rows, layer.InFeatures, layer.OutFeatures, layer.Activation);
            input = output;
        }
        return input;
    }

    /// <summary>z = μ + σ·ε from the head (and the per-row KL), noise from <paramref name="counter"/>'s step.</summary>
    public static void Sample(VaeModel model, VaeWorkspace workspace, int rows, NoiseSource noise, DeviceSpan<uint> counter) =>
        model.Accelerator.Reparameterize(workspace.Head(rows), workspace.Z(rows), workspace.Eps(rows), workspace.Kl(rows),
            rows, model.Layout.Latent, model.Layout.Architecture.LogVarClamp, noise, counter);

    /// <summary>Decoder hidden layers from z (BatchNorms, where there are, by their running statistics); returns the last hidden activation.</summary>
    public static DeviceSpan<float> DecodeHidden(VaeModel model, VaeWorkspace workspace, int rows)
    {
        if (model.Layout.IsConv) return ConvPasses.DecodeHidden(model, workspace, rows, training: false);
        IAccelerator accelerator = model.Accelerator;
        DeviceSpan<float> input = workspace.Z(rows);
        for (int i = 0; i < model.Layout.Decoder.Count; i++)
        {
            LinearLayer layer = model.Layout.Decoder[i];
            DeviceSpan<float> output = workspace.Decoder(i, rows);
            accelerator.LinearForward(input, layer.Weights(model.Parameters), layer.Bias(model.Parameters), output,
                rows, layer.InFeatures, layer.OutFeatures, layer.Activation);
            input = output;
        }
        return input;
    }

    /// <summary>Pixel means p(x|z) for the z in the workspace, into <see cref="VaeWorkspace.Output"/>.</summary>
    public static void DecodeMeans(VaeModel model, VaeWorkspace workspace, int rows)
    {
        if (model.Layout.IsConv)
        {
            ConvPasses.DecodeMeans(model, workspace, rows);
            return;
        }
        DeviceSpan<float> hidden = DecodeHidden(model, workspace, rows);
        LinearLayer output = model.Layout.Output;
        model.Accelerator.LinearForward(hidden, output.Weights(model.Parameters), output.Bias(model.Parameters),
            workspace.Output(rows), rows, output.InFeatures, output.OutFeatures,
            model.Layout.Architecture.Likelihood.MeanActivation);
    }

    /// <summary>
    /// Encode, sample, decode and score: per-row reconstruction NLL in <see cref="VaeWorkspace.Nll"/>
    /// and KL in <see cref="VaeWorkspace.Kl"/>. With <paramref name="withGradient"/>, the decoder
    /// output gradient of the batch-mean loss is left in <see cref="VaeWorkspace.Output"/>. The batch is
    /// <see cref="VaeWorkspace.Input"/>, or, given <paramref name="batch"/>, gathered into it first. A loss with a gradient is
    /// a training step's: a convolutional model's BatchNorms then normalize by the batch and move their running statistics
    /// (PyTorch's train mode); without, by the running statistics (eval mode), which it leaves as they are.
    /// <paramref name="batchRows"/>: the rows of the batch whose mean loss the gradient is of, when these
    /// <paramref name="rows"/> are one shard of it (Distributed:Shards); by default the rows themselves.
    /// </summary>
    public static void Loss(VaeModel model, VaeWorkspace workspace, int rows, NoiseSource noise, DeviceSpan<uint> counter,
        bool withGradient, BatchAtCursor? batch = null, int? batchRows = null)
    {
        float gradScale = 1f / (batchRows ?? rows);
        // The head and the sample as one op: a fusion point (one launch on an ILGPU accelerator at Kernels:Step 2).
        LinearLayer head = model.Layout.Head;
        model.Accelerator.HeadAndReparameterize(EncodeHidden(model, workspace, rows, training: withGradient, batch), head.Weights(model.Parameters),
            head.Bias(model.Parameters), workspace.Head(rows), workspace.Z(rows), workspace.Eps(rows), workspace.Kl(rows),
            rows, head.InFeatures, model.Layout.Latent, model.Layout.Architecture.LogVarClamp, noise, counter);
        if (model.Layout.IsConv)
        {
            ConvPasses.DecodeLoss(model, workspace, rows, withGradient, gradScale);
            return;
        }
        DeviceSpan<float> hidden = DecodeHidden(model, workspace, rows);
        LinearLayer output = model.Layout.Output;
        model.Accelerator.ElboOutput(hidden, output.Weights(model.Parameters), output.Bias(model.Parameters),
            workspace.Input(rows), workspace.Nll(rows), withGradient ? workspace.Output(rows) : default,
            rows, output.InFeatures, output.OutFeatures, model.Layout.Architecture.Likelihood, gradScale,
            model.Layout.LogSigma(model.Parameters));
    }

    /// <summary>
    /// Gradients of the batch mean of recon + β(step)·KL into <see cref="VaeModel.Gradients"/>,
    /// after <see cref="Loss"/> ran with a gradient.
    /// </summary>
    public static void Backward(VaeModel model, VaeWorkspace workspace, int rows, KlWeight klWeight) =>
        Backward(model, workspace, rows, klWeight, model.Gradients, rows);

    /// <summary>
    /// Gradients into <paramref name="g"/> (laid out as <see cref="VaeModel.Gradients"/>), after <see cref="Loss"/> ran
    /// with a gradient and the same <paramref name="batchRows"/>: these <paramref name="rows"/>' share of the gradient of
    /// the mean loss over <paramref name="batchRows"/> rows (a shard's, Distributed:Shards), or, with batchRows = rows, all of it.
    /// </summary>
    public static void Backward(VaeModel model, VaeWorkspace workspace, int rows, KlWeight klWeight, DeviceSpan<float> g, int batchRows)
    {
        IAccelerator accelerator = model.Accelerator;
        VaeLayout layout = model.Layout;
        DeviceSpan<float> p = model.Parameters;
        float gradScale = 1f / batchRows;
        int ping = 0;
        if (layout.IsConv)
        {
            ping = ConvPasses.BackwardDecoder(model, workspace, rows, g, gradScale);
            accelerator.ReparameterizeBackward(workspace.Dz(rows), workspace.Head(rows), workspace.Eps(rows), workspace.DHead(rows),
                rows, layout.Latent, layout.Architecture.LogVarClamp, klWeight, gradScale, model.StepCounter);
            ConvPasses.BackwardEncoder(model, workspace, rows, ping, g);
            return;
        }

        // A learned σ per feature: its gradient comes from dLogits (the batch-mean loss's 1/rows scale).
        if (layout.LogSigmaOffset is not null)
            accelerator.LogSigmaGradient(workspace.Output(rows), layout.LogSigma(p), layout.LogSigma(g), rows, layout.LogSigmaCount, gradScale);

        // Output layer, then the decoder from the top down; the last one hands its gradient to z.
        DeviceSpan<float> upstream = workspace.Output(rows);
        LinearLayer upper = layout.Output;
        for (int i = layout.Decoder.Count; i >= 0; i--)
        {
            bool intoZ = i == 0;
            DeviceSpan<float> layerInput = intoZ ? workspace.Z(rows) : workspace.Decoder(i - 1, rows);
            DeviceSpan<float> dx = intoZ ? workspace.Dz(rows) : workspace.Gradient(ping, rows, upper.InFeatures);
            accelerator.LinearBackward(upstream, layerInput, upper.Weights(p), upper.Weights(g), upper.Bias(g), dx,
                rows, upper.InFeatures, upper.OutFeatures, intoZ ? Activation.Identity : layout.Decoder[i - 1].Activation);
            upstream = dx;
            ping ^= 1;
            if (!intoZ) upper = layout.Decoder[i - 1];
        }

        accelerator.ReparameterizeBackward(workspace.Dz(rows), workspace.Head(rows), workspace.Eps(rows), workspace.DHead(rows),
            rows, layout.Latent, layout.Architecture.LogVarClamp, klWeight, gradScale, model.StepCounter);

        // Head, then the encoder from the top down; the first layer's input gradient is not needed.
        upstream = workspace.DHead(rows);
        upper = layout.Head;
        for (int i = layout.Encoder.Count; i >= 0; i--)
        {
            bool atInput = i == 0;
            DeviceSpan<float> layerInput = atInput ? workspace.Input(rows) : workspace.Encoder(i - 1, rows);
            DeviceSpan<float> dx = atInput ? default : workspace.Gradient(ping, rows, upper.InFeatures);
            accelerator.LinearBackward(upstream, layerInput, upper.Weights(p), upper.Weights(g), upper.Bias(g), dx,
                rows, upper.InFeatures, upper.OutFeatures, atInput ? Activation.Identity : layout.Encoder[i - 1].Activation);
            upstream = dx;
            ping ^= 1;
            if (!atInput) upper = layout.Encoder[i - 1];
        }
    }
}

/// <summary>The batch at a device-side cursor into the epoch's order of the resident byte images (see <see cref="IAccelerator.GatherBatch"/>).</summary>
public readonly record struct BatchAtCursor(DeviceSpan<byte> Images, DeviceSpan<int> Order, DeviceSpan<uint> Cursor, int BatchSize);
