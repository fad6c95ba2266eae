using ILGPU;
using ILGPU.Runtime;

namespace VaeGpu.Kernels;

/// <summary>
/// 2D convolutions and transposed convolutions (NHWC, <see cref="ConvShape"/>) as implicit GEMMs over
/// <see cref="GemmCore"/>: the im2col operands are read in place (<see cref="Im2Col"/>,
/// <see cref="TransposedIm2Col"/>, <see cref="WeightsByInputChannel"/>) and the linear layer's epilogues
/// store. Each output sums its reduction in order from 0 with one FMA per term, as every GEMM here, so the
/// register block (the version, <see cref="KernelVersions.Conv"/>) does not change a bit.
/// Forward                 y[pos × oc]   = act(im2col(x) · wᵀ + b)                 Conv2d; taps (kh, kw, c) in order
/// BackwardWeights         dw[oc × tap]  = gᵀ · im2col(x)                          output positions in order
/// BackwardInput           dx[pos × c]   = (im2colᵀ(g) · w) ⊙ act'(x)             the large image; (kh, kw, oc) in order
/// TransposeForward        y[pos × c]    = act(im2colᵀ(x) · w + b)                 ConvTranspose2d = Conv2d's backward data
/// TransposeBackwardInput  dx[pos × oc]  = (im2col(g) · wᵀ) ⊙ act'(x)             ConvTranspose2d's dx = Conv2d's forward
/// A ConvTranspose2d's weight gradient is BackwardWeights with its input as g and its output gradient as x;
/// both bias gradients are <see cref="LinearKernels.ColumnSums"/> over the positions.
/// CPU twin: VaeGpu.Accelerators.Cpu.CpuAccelerator's Conv2d / ConvTranspose2d ops (im2col materialized).
/// </summary>
public static class ConvKernels
{
    public static void Forward<TTile, TBlock>(ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        ConvShape shape, int activation) where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
    {
        // A = im2col(x) [positions × taps], B(k = tap, n = oc) = w[oc·taps + tap].
        TBlock acc = GemmCore.AccumulateAt<TTile, TBlock, Im2Col>(new Im2Col(x, shape), new Operand(w, 1, shape.Taps),
            shape.OutRows, shape.OutChannels, shape.Taps, Grid.IdxY, Grid.IdxX);
        GemmCore.Store<TTile, TBlock, LinearKernels.BiasActivation>(acc,
            new LinearKernels.BiasActivation(b, y, shape.OutChannels, activation), shape.OutRows, shape.OutChannels);
    }

    public static void BackwardWeights<TTile, TBlock>(ArrayView<float> g, ArrayView<float> x, ArrayView<float> dw, ConvShape shape)
        where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
    {
        // A(m = oc, k = pos) = g[pos·oc_count + oc], B(k = pos, n = tap) = im2col(x).
        TBlock acc = GemmCore.AccumulateAt<TTile, TBlock, Operand, Im2Col>(new Operand(g, 1, shape.OutChannels), new Im2Col(x, shape),
            shape.OutChannels, shape.Taps, shape.OutRows, Grid.IdxY, Grid.IdxX);
        GemmCore.Store<TTile, TBlock, LinearKernels.WeightGradient>(acc, new LinearKernels.WeightGradient(dw, shape.Taps),
            shape.OutChannels, shape.Taps);
    }

    public static void BackwardInput<TTile, TBlock>(ArrayView<float> g, ArrayView<float> w, ArrayView<float> x, ArrayView<float> dx,
        ConvShape shape, int inputActivation) where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
    {
        TBlock acc = TransposedProduct<TTile, TBlock>(g, w, shape);
        GemmCore.Store<TTile, TBlock, LinearKernels.InputGradient>(acc,
            new LinearKernels.InputGradient(dx, x, shape.InChannels, inputActivation), shape.InRows, shape.InChannels);
    }

    public static void TransposeForward<TTile, TBlock>(ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        ConvShape shape, int activation) where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
    {
        TBlock acc = TransposedProduct<TTile, TBlock>(x, w, shape);
        GemmCore.Store<TTile, TBlock, LinearKernels.BiasActivation>(acc,
            new LinearKernels.BiasActivation(b, y, shape.InChannels, activation), shape.InRows, shape.InChannels);
    }

    public static void TransposeBackwardInput<TTile, TBlock>(ArrayView<float> g, ArrayView<float> w, ArrayView<float> x, ArrayView<float> dx,
        ConvShape shape, int inputActivation) where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
    {
        TBlock acc = GemmCore.AccumulateAt<TTile, TBlock, Im2Col>(new Im2Col(g, shape), new Operand(w, 1, shape.Taps),
            shape.OutRows, shape.OutChannels, shape.Taps, Grid.IdxY, Grid.IdxX);
        GemmCore.Store<TTile, TBlock, LinearKernels.InputGradient>(acc,
            new LinearKernels.InputGradient(dx, x, shape.OutChannels, inputActivation), shape.OutRows, shape.OutChannels);
    }

    /// <summary>
    /// The decoder's last layer fused with the reconstruction loss, as ElboKernels.Output is for a linear
    /// one: logits = convᵀ(x, w) + b stay in registers; each pixel's channels are scored by
    /// <see cref="ElboKernels.StoreLoss{TTile, TBlock}"/> into partial[pixel · columnTiles + tile] (and dLogits
    /// when not empty). An image's pixels are consecutive GEMM rows, so <see cref="ElboKernels.RowSums"/> over
    /// (pixels × column tiles) gives its NLL in a fixed order. A learned σ is per image channel: the GEMM's
    /// columns are the channels, so logSigma[column] is the one ElboKernels.Output reads per feature.
    /// </summary>
    public static void TransposeLoss<TTile, TBlock>(ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> target,
        ArrayView<double> partial, ArrayView<float> dLogits, ConvShape shape, int likelihood, float sigma, ArrayView<float> logSigma,
        float gradScale)
        where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
    {
        TBlock acc = TransposedProduct<TTile, TBlock>(x, w, shape);
        ElboKernels.StoreLoss<TTile, TBlock>(acc, b, target, partial, dLogits, shape.InRows, shape.InChannels, likelihood, sigma,
            logSigma, gradScale);
    }

    /// <summary>im2colᵀ(small) · w: the large image's positions × its channels, (kh, kw, oc) in order.</summary>
    private static TBlock TransposedProduct<TTile, TBlock>(ArrayView<float> small, ArrayView<float> w, ConvShape shape)
        where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock =>
        GemmCore.AccumulateAt<TTile, TBlock, TransposedIm2Col, WeightsByInputChannel>(new TransposedIm2Col(small, shape),
            new WeightsByInputChannel(w, shape), shape.InRows, shape.InChannels, shape.TransposedTaps, Grid.IdxY, Grid.IdxX);
}

/// <summary>The convolution kernels of one version, loaded for one accelerator.</summary>
public interface IConvLauncher
{
    /// <summary>Conv2d: y = act(conv(x, w) + b).</summary>
    void Forward(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        ConvShape shape, int activation);

    /// <summary>Conv2d's dw, db, and dx (with the layer below's act') unless dx is empty.</summary>
    void Backward(AcceleratorStream stream, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float> dw, ArrayView<float> db, ArrayView<float> dx, ConvShape shape, int inputActivation);

    /// <summary>ConvTranspose2d (small x → large y): y = act(convᵀ(x, w) + b).</summary>
    void TransposeForward(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        ConvShape shape, int activation);

    /// <summary>Doubles of scratch <see cref="TransposeLoss"/> needs for <paramref name="shape"/>.</summary>
    int PartialLength(ConvShape shape);

    /// <summary>
    /// The transposed convolution fused with the loss: nll per image, dLogits unless empty; logSigma per channel for a
    /// learned σ, else empty (kernels: ConvKernels.TransposeLoss).
    /// </summary>
    void TransposeLoss(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> target,
        ArrayView<double> partial, ArrayView<float> dLogits, ArrayView<float> nll, ConvShape shape, int likelihood, float sigma,
        ArrayView<float> logSigma, float gradScale);

    /// <summary>ConvTranspose2d's dw, db (over the large image), and dx (small, with act') unless dx is empty.</summary>
    void TransposeBackward(AcceleratorStream stream, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float> dw, ArrayView<float> db, ArrayView<float> dx, ConvShape shape, int inputActivation);
}

/// <summary>Loads the convolution kernels once per accelerator and launches them on a stream.</summary>
public sealed class ConvLauncher<TTile, TBlock> : IConvLauncher where TTile : struct, IGemmTile where TBlock : struct, IRegisterBlock
{
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, int> _forward;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape> _backwardWeights;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, int> _backwardInput;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, int> _transposeForward;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, int> _transposeBackwardInput;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, int> _columnSums;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<double>, ArrayView<float>, ConvShape, int, float, ArrayView<float>, float> _transposeLoss;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<double>, int, ArrayView<float>> _rowSums;
    private readonly LaunchCounter _launches;

    public ConvLauncher(Accelerator accelerator, LaunchCounter launches)
    {
        _launches = launches;
        _forward = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, int>(
            ConvKernels.Forward<TTile, TBlock>);
        _backwardWeights = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(
            ConvKernels.BackwardWeights<TTile, TBlock>);
        _backwardInput = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, int>(
            ConvKernels.BackwardInput<TTile, TBlock>);
        _transposeForward = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, int>(
            ConvKernels.TransposeForward<TTile, TBlock>);
        _transposeBackwardInput = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, int>(
            ConvKernels.TransposeBackwardInput<TTile, TBlock>);
        _columnSums = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(LinearKernels.ColumnSums);
        _transposeLoss = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<double>, ArrayView<float>, ConvShape, int, float, ArrayView<float>, float>(ConvKernels.TransposeLoss<TTile, TBlock>);
        _rowSums = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<double>, int, ArrayView<float>>(ElboKernels.RowSums);
    }

    public int PartialLength(ConvShape shape) => shape.InRows * GemmCore.ColumnTiles<TTile, TBlock>(shape.InChannels);

    public void TransposeLoss(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> target,
        ArrayView<double> partial, ArrayView<float> dLogits, ArrayView<float> nll, ConvShape shape, int likelihood, float sigma,
        ArrayView<float> logSigma, float gradScale)
    {
        if (shape.Batch == 0) return;
        _launches.Add();
        _transposeLoss(stream, GemmCore.Config<TTile, TBlock>(shape.InRows, shape.InChannels), x, w, b, target, partial, dLogits,
            shape, likelihood, sigma, logSigma, gradScale);
        // Image n's partials are its pixels' column tiles, contiguous: one row of RowSums per image.
        _launches.Add();
        _rowSums(stream, shape.Batch, partial, shape.InHeight * shape.InWidth * GemmCore.ColumnTiles<TTile, TBlock>(shape.InChannels), nll);
    }

    public void Forward(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        ConvShape shape, int activation)
    {
        if (shape.OutRows == 0) return;
        _launches.Add();
        _forward(stream, GemmCore.Config<TTile, TBlock>(shape.OutRows, shape.OutChannels), x, w, b, y, shape, activation);
    }

    public void Backward(AcceleratorStream stream, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float> dw, ArrayView<float> db, ArrayView<float> dx, ConvShape shape, int inputActivation)
    {
        Weights(stream, dy, x, dw, shape);
        Biases(stream, dy, db, shape.OutRows, shape.OutChannels);
        if (dx.Length == 0 || shape.InRows == 0) return;
        _launches.Add();
        _backwardInput(stream, GemmCore.Config<TTile, TBlock>(shape.InRows, shape.InChannels), dy, w, x, dx, shape, inputActivation);
    }

    public void TransposeForward(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        ConvShape shape, int activation)
    {
        if (shape.InRows == 0) return;
        _launches.Add();
        _transposeForward(stream, GemmCore.Config<TTile, TBlock>(shape.InRows, shape.InChannels), x, w, b, y, shape, activation);
    }

    public void TransposeBackward(AcceleratorStream stream, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float> dw, ArrayView<float> db, ArrayView<float> dx, ConvShape shape, int inputActivation)
    {
        // The transposed convolution's input x (small) plays the Conv2d's output gradient, its output gradient dy (large) the Conv2d's input.
        Weights(stream, x, dy, dw, shape);
        Biases(stream, dy, db, shape.InRows, shape.InChannels);
        if (dx.Length == 0 || shape.OutRows == 0) return;
        _launches.Add();
        _transposeBackwardInput(stream, GemmCore.Config<TTile, TBlock>(shape.OutRows, shape.OutChannels), dy, w, x, dx, shape, inputActivation);
    }

    /// <summary>dw[oc × tap] = smallᵀ · im2col(large); over no positions, zeros.</summary>
    private void Weights(AcceleratorStream stream, ArrayView<float> small, ArrayView<float> large, ArrayView<float> dw, ConvShape shape)
    {
        _launches.Add();
        _backwardWeights(stream, GemmCore.Config<TTile, TBlock>(shape.OutChannels, shape.Taps), small, large, dw, shape);
    }

    private void Biases(AcceleratorStream stream, ArrayView<float> dy, ArrayView<float> db, int rows, int channels)
    {
        _launches.Add();
        _columnSums(stream, channels, dy, db, rows, channels);
    }
}
