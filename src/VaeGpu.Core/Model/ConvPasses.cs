using VaeGpu.Accelerators;
using VaeGpu.Kernels;

namespace VaeGpu.Model;

/// <summary>
/// The convolutional VAE's parts of the passes (<see cref="VaePasses"/> calls them when the layout
/// <see cref="VaeLayout.IsConv"/>): the encoder's convolutions before the linear head, the decoder's linear
/// layer and transposed convolutions after the sample, the last fused with the loss, and their backward.
/// The head, the sample and their backward are the MLP's. A layer with a BatchNorm (<see cref="ConvLayer.Normalized"/>)
/// writes its convolution to <see cref="VaeWorkspace.PreNorm"/>, and the BatchNorm applies the layer's activation; in
/// training (<c>training</c>) it normalizes by the batch's statistics and moves the running ones, otherwise by the running ones.
/// </summary>
public static class ConvPasses
{
    /// <summary>The encoder convolutions from the input (gathered first from <paramref name="batch"/> if given); returns the head's input.</summary>
    public static DeviceSpan<float> EncodeHidden(VaeModel model, VaeWorkspace workspace, int rows, BatchAtCursor? batch, bool training)
    {
        IAccelerator accelerator = model.Accelerator;
        VaeLayout layout = model.Layout;
        DeviceSpan<float> input = workspace.Input(rows);
        if (batch is { } at) accelerator.GatherBatch(at.Images, at.Order, at.Cursor, at.BatchSize, input, rows, layout.InputSize);
        for (int i = 0; i < layout.EncoderConvs.Count; i++)
        {
            ConvLayer layer = layout.EncoderConvs[i];
            DeviceSpan<float> output = workspace.ConvEncoder(i, rows);
            DeviceSpan<float> convolved = layer.Normalized ? workspace.PreNorm(layer, rows) : output;
            accelerator.Conv2dForward(input, layer.Weights(model.Parameters), layer.Bias(model.Parameters), convolved, layer.Shape(rows),
                layer.Normalized ? Activation.Identity : layer.Activation);
            if (layer.Normalized) Normalize(model, workspace, layer, rows, convolved, output, training);
            input = output;
        }
        return input;
    }

    /// <summary>The decoder's linear layer from z, then every transposed convolution but the output layer; returns the output layer's input.</summary>
    public static DeviceSpan<float> DecodeHidden(VaeModel model, VaeWorkspace workspace, int rows, bool training)
    {
        IAccelerator accelerator = model.Accelerator;
        VaeLayout layout = model.Layout;
        LinearLayer linear = layout.Decoder[0];
        DeviceSpan<float> input = workspace.Decoder(0, rows);
        accelerator.LinearForward(workspace.Z(rows), linear.Weights(model.Parameters), linear.Bias(model.Parameters), input,
            rows, linear.InFeatures, linear.OutFeatures, linear.Activation);
        for (int i = 0; i < layout.DecoderConvs.Count - 1; i++)
        {
            ConvLayer layer = layout.DecoderConvs[i];
            DeviceSpan<float> output = workspace.ConvDecoder(i, rows);
            DeviceSpan<float> convolved = layer.Normalized ? workspace.PreNorm(layer, rows) : output;
            accelerator.ConvTranspose2dForward(input, layer.Weights(model.Parameters), layer.Bias(model.Parameters), convolved,
                layer.Shape(rows), layer.Normalized ? Activation.Identity : layer.Activation);
            if (layer.Normalized) Normalize(model, workspace, layer, rows, convolved, output, training);
            input = output;
        }
        return input;
    }

    /// <summary>A normalized layer's BatchNorm and activation, from its convolution's output to what the next layer reads.</summary>
    private static void Normalize(VaeModel model, VaeWorkspace workspace, ConvLayer layer, int rows, DeviceSpan<float> convolved,
        DeviceSpan<float> output, bool training) =>
        model.Accelerator.BatchNormForward(convolved, layer.Gamma(model.Parameters), layer.Beta(model.Parameters), output,
            workspace.NormStatistics(layer), layer.Running(model.RunningStatistics), layer.NormRows(rows), layer.Channels, layer.Activation,
            training);

    /// <summary>
    /// A normalized layer's BatchNorm backward, in place: <paramref name="upstream"/> holds the gradient by the BatchNorm's
    /// output (the layer above applied act') and leaves holding the gradient by the convolution's output.
    /// </summary>
    private static void NormalizeBackward(VaeModel model, VaeWorkspace workspace, ConvLayer layer, int rows, DeviceSpan<float> upstream,
        DeviceSpan<float> g) =>
        model.Accelerator.BatchNormBackward(upstream, workspace.PreNorm(layer, rows), layer.Gamma(model.Parameters),
            workspace.NormStatistics(layer), layer.Gamma(g), layer.Beta(g), upstream, layer.NormRows(rows),
            layer.Channels);

    /// <summary>Pixel means p(x|z) into <see cref="VaeWorkspace.Output"/>.</summary>
    public static void DecodeMeans(VaeModel model, VaeWorkspace workspace, int rows)
    {
        DeviceSpan<float> hidden = DecodeHidden(model, workspace, rows, training: false);
        ConvLayer output = model.Layout.OutputConv;
        model.Accelerator.ConvTranspose2dForward(hidden, output.Weights(model.Parameters), output.Bias(model.Parameters),
            workspace.Output(rows), output.Shape(rows), model.Layout.Architecture.Likelihood.MeanActivation);
    }

    /// <summary>The decoder and the fused loss after the sample (see <see cref="VaePasses.Loss"/>): a loss with a gradient trains.</summary>
    public static void DecodeLoss(VaeModel model, VaeWorkspace workspace, int rows, bool withGradient, float gradScale)
    {
        DeviceSpan<float> hidden = DecodeHidden(model, workspace, rows, training: withGradient);
        ConvLayer output = model.Layout.OutputConv;
        model.Accelerator.ConvTranspose2dElboOutput(hidden, output.Weights(model.Parameters), output.Bias(model.Parameters),
            workspace.Input(rows), workspace.Nll(rows), withGradient ? workspace.Output(rows) : default, output.Shape(rows),
            model.Layout.Architecture.Likelihood, gradScale, model.Layout.LogSigma(model.Parameters));
    }

    /// <summary>The decoder's backward from dLogits down to dz, gradients into <paramref name="g"/>; returns the ping-pong index in use next.</summary>
    public static int BackwardDecoder(VaeModel model, VaeWorkspace workspace, int rows, DeviceSpan<float> g, float gradScale)
    {
        IAccelerator accelerator = model.Accelerator;
        VaeLayout layout = model.Layout;
        DeviceSpan<float> p = model.Parameters;
        LinearLayer linear = layout.Decoder[0];
        DeviceSpan<float> upstream = workspace.Output(rows);
        // A learned σ per image channel: its gradient sums dLogits over every image's positions, read as
        // [rows·height·width × channels], before the backward passes read dLogits (the batch-mean loss's 1/rows scale).
        if (layout.LogSigmaOffset is not null)
            accelerator.LogSigmaGradient(upstream, layout.LogSigma(p), layout.LogSigma(g), layout.OutputConv.Shape(rows).InRows,
                layout.LogSigmaCount, gradScale);
        int ping = 0;
        for (int i = layout.DecoderConvs.Count - 1; i >= 0; i--)
        {
            ConvLayer layer = layout.DecoderConvs[i];
            DeviceSpan<float> layerInput = i == 0 ? workspace.Decoder(0, rows) : workspace.ConvDecoder(i - 1, rows);
            Activation inputActivation = i == 0 ? linear.Activation : layout.DecoderConvs[i - 1].Activation;
            DeviceSpan<float> dx = workspace.Gradient(ping, rows, layer.InputSize);
            if (layer.Normalized) NormalizeBackward(model, workspace, layer, rows, upstream, g);
            accelerator.ConvTranspose2dBackward(upstream, layerInput, layer.Weights(p), layer.Weights(g), layer.Bias(g), dx,
                layer.Shape(rows), inputActivation);
            upstream = dx;
            ping ^= 1;
        }
        accelerator.LinearBackward(upstream, workspace.Z(rows), linear.Weights(p), linear.Weights(g), linear.Bias(g), workspace.Dz(rows),
            rows, linear.InFeatures, linear.OutFeatures, Activation.Identity);
        return ping;
    }

    /// <summary>The head's and the encoder's backward from dHead; the first convolution's input gradient is not needed.</summary>
    public static void BackwardEncoder(VaeModel model, VaeWorkspace workspace, int rows, int ping, DeviceSpan<float> g)
    {
        IAccelerator accelerator = model.Accelerator;
        VaeLayout layout = model.Layout;
        DeviceSpan<float> p = model.Parameters;
        IReadOnlyList<ConvLayer> convs = layout.EncoderConvs;
        LinearLayer head = layout.Head;
        bool headAtInput = convs.Count == 0;
        DeviceSpan<float> upstream = headAtInput ? default : workspace.Gradient(ping, rows, head.InFeatures);
        accelerator.LinearBackward(workspace.DHead(rows), headAtInput ? workspace.Input(rows) : workspace.ConvEncoder(convs.Count - 1, rows),
            head.Weights(p), head.Weights(g), head.Bias(g), upstream, rows, head.InFeatures, head.OutFeatures,
            headAtInput ? Activation.Identity : convs[^1].Activation);
        ping ^= 1;
        for (int i = convs.Count - 1; i >= 0; i--)
        {
            ConvLayer layer = convs[i];
            bool atInput = i == 0;
            DeviceSpan<float> layerInput = atInput ? workspace.Input(rows) : workspace.ConvEncoder(i - 1, rows);
            DeviceSpan<float> dx = atInput ? default : workspace.Gradient(ping, rows, layer.InputSize);
            if (layer.Normalized) NormalizeBackward(model, workspace, layer, rows, upstream, g);
            accelerator.Conv2dBackward(upstream, layerInput, layer.Weights(p), layer.Weights(g), layer.Bias(g), dx, layer.Shape(rows),
                atInput ? Activation.Identity : convs[i - 1].Activation);
            upstream = dx;
            ping ^= 1;
        }
    }
}
