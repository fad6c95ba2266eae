using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// The convolutions on the CPU: the operand the device reads in place (kernels/Gemm/ConvSources.cs) is lowered
/// by <see cref="ConvLowering"/> (written out in chunks on GEMM v1, packed straight from the image on v2) and
/// multiplied by the same GEMM and epilogues as the linear layers, in the device's reduction order
/// (kernels/Ops/Conv.cs), so every accelerator gives the same bits.
/// </summary>
public sealed unsafe partial class CpuAccelerator
{
    private readonly ConvScratch _convScratch = new();
    private ParallelRanges<Im2ColRows>? _im2col;
    private ParallelRanges<TransposedIm2ColRows>? _transposedIm2col;
    private ParallelRanges<PhaseIm2ColRows>? _phaseIm2col;
    private ParallelRanges<NarrowTransposedConvImages>? _narrow;
    private readonly Dictionary<Type, object> _epilogueJobs = new();

    // Made on first use: an MLP never needs them. A few chunks per thread, as the other element-wise jobs.
    private ParallelRanges<Im2ColRows> Im2ColJobs => _im2col ??= new ParallelRanges<Im2ColRows>(_workers, Threads * 2);

    private ParallelRanges<TransposedIm2ColRows> TransposedIm2ColJobs =>
        _transposedIm2col ??= new ParallelRanges<TransposedIm2ColRows>(_workers, Threads * 2);

    private ParallelRanges<NarrowTransposedConvImages> NarrowJobs =>
        _narrow ??= new ParallelRanges<NarrowTransposedConvImages>(_workers, Threads * 2);

    private ParallelRanges<NarrowConvWeightGradient>? _narrowConvWeights;

    private ParallelRanges<NarrowConvWeightGradient> NarrowConvWeightJobs =>
        _narrowConvWeights ??= new ParallelRanges<NarrowConvWeightGradient>(_workers, Threads * 4);

    private ParallelRanges<PhaseIm2ColRows> PhaseIm2ColJobs => _phaseIm2col ??= new ParallelRanges<PhaseIm2ColRows>(_workers, Threads * 2);

    public void Conv2dForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        ConvShape shape, Activation activation)
    {
        OpShapes.Conv2dForward(this, x, w, b, y, shape);
        ImageTimesWeights(Pointer(x), Pointer(w), Pointer(y), shape, new BiasActivationEpilogue(Pointer(b), activation));
    }

    public void Conv2dBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w,
        DeviceSpan<float> dw, DeviceSpan<float> db, DeviceSpan<float> dx, ConvShape shape, Activation inputActivation)
    {
        bool wantsDx = OpShapes.Conv2dBackward(this, dy, x, w, dw, db, dx, shape);
        WeightGradient(Pointer(dy), Pointer(x), Pointer(dw), shape);
        _columnSums.Run(new ColumnSumsRange(Pointer(dy), Pointer(db), shape.OutRows, shape.OutChannels), shape.OutChannels, minChunk: 128);
        if (!wantsDx) return;
        SmallTimesWeights(Pointer(dy), Pointer(w), Pointer(dx), shape,
            new ActivationDerivativeEpilogue(Pointer(x), shape.InChannels, inputActivation));
    }

    public void ConvTranspose2dForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
        ConvShape shape, Activation activation)
    {
        OpShapes.ConvTranspose2dForward(this, x, w, b, y, shape);
        SmallTimesWeights(Pointer(x), Pointer(w), Pointer(y), shape, new BiasActivationEpilogue(Pointer(b), activation));
    }

    public void ConvTranspose2dBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w,
        DeviceSpan<float> dw, DeviceSpan<float> db, DeviceSpan<float> dx, ConvShape shape, Activation inputActivation)
    {
        bool wantsDx = OpShapes.ConvTranspose2dBackward(this, dy, x, w, dw, db, dx, shape);
        // The small input x plays the Conv2d's output gradient, the large output gradient dy its input.
        WeightGradient(Pointer(x), Pointer(dy), Pointer(dw), shape);
        _columnSums.Run(new ColumnSumsRange(Pointer(dy), Pointer(db), shape.InRows, shape.InChannels), shape.InChannels, minChunk: 128);
        if (!wantsDx) return;
        ImageTimesWeights(Pointer(dy), Pointer(w), Pointer(dx), shape,
            new ActivationDerivativeEpilogue(Pointer(x), shape.OutChannels, inputActivation));
    }

    public void ConvTranspose2dElboOutput(DeviceSpan<float> h, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> target,
        DeviceSpan<float> nll, DeviceSpan<float> dLogits, ConvShape shape, Likelihood likelihood, float gradScale,
        DeviceSpan<float> logSigma = default)
    {
        bool wantsGradient = OpShapes.ConvTranspose2dElboOutput(this, h, w, b, target, nll, dLogits, shape, likelihood, logSigma);
        if (shape.Batch == 0) return;
        // Without a gradient output (evaluation) the logits need somewhere to live for the epilogue.
        float* logits = wantsGradient ? Pointer(dLogits) : _convScratch.Get<float>(ConvScratch.Use.Logits, shape.InputLength);
        double* pixelSums = _convScratch.Get<double>(ConvScratch.Use.PixelSums, shape.InRows);
        SmallTimesWeights(Pointer(h), Pointer(w), logits, shape,
            new ElboEpilogue(Pointer(b), Pointer(target), null, wantsGradient, gradScale, likelihood, Pointer(logSigma),
                vectorized: _gemm2 is not null, rowTotals: pixelSums));
        // An image's NLL: its pixels' double sums in order (the device sums the same pixels' partials in order).
        int pixels = shape.InHeight * shape.InWidth;
        Span<float> images = Host(nll);
        for (int n = 0; n < shape.Batch; n++)
        {
            double sum = 0;
            for (int p = 0; p < pixels; p++) sum += pixelSums[(long)n * pixels + p];
            images[n] = (float)sum;
        }
    }

    /// <summary>
    /// Floats of lowered operand per GEMM call (16 MB): the scratch stays bounded instead of growing to the whole
    /// batch's operand (the last transposed convolution's is 200 MB at batch 128), and each call stays large
    /// enough for the GEMM's fork-join and packing to pay (at 2 MB chunks the conv step took 2.5× as long).
    /// Each output row is its own dot products, so chunking changes no bit. Tests set it small to cut many chunks.
    /// </summary>
    internal int ConvChunkFloats { get; init; } = 1 << 22;

    /// <summary>Rows per chunk for a reduction of <paramref name="reduction"/> terms: a multiple of 64, at least 64.</summary>
    private int ChunkRows(int reduction) => Math.Max(64, ConvChunkFloats / Math.Max(1, reduction)) / 64 * 64;

    /// <summary>
    /// out[OutRows × OutChannels] = im2col(image) · wᵀ, then the epilogue: GEMM version 2 packs the operand
    /// straight from the image; version 1 multiplies it written out, in chunks of rows.
    /// </summary>
    private void ImageTimesWeights<TEpilogue>(float* image, float* w, float* output, ConvShape shape, TEpilogue epilogue)
        where TEpilogue : struct, IGemmEpilogue, IRowShiftable<TEpilogue>
    {
        int rows = shape.OutRows, chunk = Math.Min(rows, ChunkRows(shape.Taps));
        if (rows == 0) return;
        if (_gemm2 is not null)
        {
            _gemm2.Multiply(GemmOperand.Im2Col(image, shape), GemmOperand.Transposed(w, shape.Taps), output, shape.OutChannels,
                rows, shape.OutChannels, shape.Taps, epilogue);
            return;
        }
        float* columns = _convScratch.Get<float>(ConvScratch.Use.Columns, (long)chunk * shape.Taps);
        for (int row0 = 0; row0 < rows; row0 += chunk)
        {
            int count = Math.Min(chunk, rows - row0);
            Im2ColJobs.Run(new Im2ColRows(image, shape, columns, row0), count, minChunk: 64);
            Multiply(GemmOperand.RowMajor(columns, shape.Taps), GemmOperand.Transposed(w, shape.Taps),
                output + (long)row0 * shape.OutChannels, shape.OutChannels, count, shape.OutChannels, shape.Taps,
                epilogue.ShiftedBy(row0, shape.OutChannels));
        }
    }

    /// <summary>
    /// out[InRows × InChannels] = im2colᵀ(small) · w regrouped by input channel, then the epilogue. With stride 1
    /// one GEMM per chunk of rows with the epilogue fused; with stride S one GEMM per stride phase over its taps
    /// alone (<see cref="StridePhase"/>: 1/S² of the reduction, the rest are zeros), its rows scattered to the
    /// output, then the epilogue over the finished sums, which it sees exactly as the fused one would. To a few
    /// channels (a decoder's last layer) the sums come from <see cref="NarrowTransposedConv"/> instead.
    /// </summary>
    private void SmallTimesWeights<TEpilogue>(float* small, float* w, float* output, ConvShape shape, TEpilogue epilogue)
        where TEpilogue : struct, IGemmEpilogue, IRowShiftable<TEpilogue>
    {
        if (shape.InRows == 0) return;
        if (shape.InChannels <= NarrowTransposedConv.MaxChannels)
            NarrowJobs.Run(new NarrowTransposedConvImages(small, w, output, shape), shape.Batch, minChunk: 1);
        else if (shape.Stride == 1)
        {
            WholeReductionTimesWeights(small, w, output, shape, epilogue);
            return;
        }
        else
        {
            for (int index = 0; index < shape.Stride * shape.Stride; index++)
                PhaseTimesWeights(small, w, output, shape, StridePhase.At(shape, index));
        }
        EpilogueJobs<TEpilogue>().Run(new EpilogueRows<TEpilogue>(epilogue, output, shape.InChannels), shape.InRows, minChunk: 64);
    }

    private void WholeReductionTimesWeights<TEpilogue>(float* small, float* w, float* output, ConvShape shape, TEpilogue epilogue)
        where TEpilogue : struct, IGemmEpilogue, IRowShiftable<TEpilogue>
    {
        int rows = shape.InRows, chunk = Math.Min(rows, ChunkRows(shape.TransposedTaps));
        float* columns = _convScratch.Get<float>(ConvScratch.Use.Columns, (long)chunk * shape.TransposedTaps);
        float* weights = _convScratch.Get<float>(ConvScratch.Use.Weights, (long)shape.TransposedTaps * shape.InChannels);
        ConvLowering.WeightsByInputChannel(w, shape, weights);
        if (_gemm2 is not null)
        {
            _gemm2.Multiply(GemmOperand.Of(new LoweredRows(LoweredMatrix.TransposedIm2Col, small, shape)),
                GemmOperand.RowMajor(weights, shape.InChannels), output, shape.InChannels, rows, shape.InChannels, shape.TransposedTaps, epilogue);
            return;
        }
        for (int row0 = 0; row0 < rows; row0 += chunk)
        {
            int count = Math.Min(chunk, rows - row0);
            TransposedIm2ColJobs.Run(new TransposedIm2ColRows(small, shape, columns, row0), count, minChunk: 64);
            Multiply(GemmOperand.RowMajor(columns, shape.TransposedTaps), GemmOperand.RowMajor(weights, shape.InChannels),
                output + (long)row0 * shape.InChannels, shape.InChannels, count, shape.InChannels, shape.TransposedTaps,
                epilogue.ShiftedBy(row0, shape.InChannels));
        }
    }

    /// <summary>One stride phase's raw sums into its rows of <paramref name="output"/>, in chunks of its positions.</summary>
    private void PhaseTimesWeights(float* small, float* w, float* output, ConvShape shape, StridePhase phase)
    {
        int positions = phase.Positions(shape), reduction = phase.Reduction(shape);
        if (positions == 0) return;
        if (reduction == 0)
        {
            // No tap reaches these positions (stride above the kernel): their sums are the empty sum, +0.
            for (int q = 0; q < positions; q++)
                new Span<float>(output + phase.LargeRow(shape, q) * shape.InChannels, shape.InChannels).Clear();
            return;
        }
        // GEMM version 2 writes the phase's rows while packing them (one call, no chunks); version 1 multiplies them written out.
        int chunk = _gemm2 is not null ? positions : Math.Min(positions, ChunkRows(reduction));
        float* weights = _convScratch.Get<float>(ConvScratch.Use.Weights, (long)reduction * shape.InChannels);
        float* sums = _convScratch.Get<float>(ConvScratch.Use.PhaseSums, (long)chunk * shape.InChannels);
        ConvLowering.PhaseWeights(w, shape, phase, weights);
        if (_gemm2 is not null)
        {
            _gemm2.Multiply(GemmOperand.Of(new LoweredRows(LoweredMatrix.PhaseIm2Col, small, shape, phase)),
                GemmOperand.RowMajor(weights, shape.InChannels), sums, shape.InChannels, positions, shape.InChannels, reduction,
                new ScatterPhaseRows(output, shape.InChannels, shape, phase, 0));
            return;
        }
        float* columns = _convScratch.Get<float>(ConvScratch.Use.Columns, (long)chunk * reduction);
        for (int q0 = 0; q0 < positions; q0 += chunk)
        {
            int count = Math.Min(chunk, positions - q0);
            PhaseIm2ColJobs.Run(new PhaseIm2ColRows(small, shape, phase, columns, q0), count, minChunk: 64);
            Multiply(GemmOperand.RowMajor(columns, reduction), GemmOperand.RowMajor(weights, shape.InChannels),
                sums, shape.InChannels, count, shape.InChannels, reduction,
                new ScatterPhaseRows(output, shape.InChannels, shape, phase, q0));
        }
    }

    /// <summary>The worker-pool runner of an epilogue over finished rows, one per epilogue type, made on first use.</summary>
    private ParallelRanges<EpilogueRows<TEpilogue>> EpilogueJobs<TEpilogue>() where TEpilogue : struct, IGemmEpilogue
    {
        if (!_epilogueJobs.TryGetValue(typeof(TEpilogue), out object? jobs))
            _epilogueJobs[typeof(TEpilogue)] = jobs = new ParallelRanges<EpilogueRows<TEpilogue>>(_workers, Threads * 2);
        return (ParallelRanges<EpilogueRows<TEpilogue>>)jobs;
    }

    /// <summary>
    /// dw[OutChannels × Taps] = smallᵀ · im2col(large), the output positions summed in order; zeros over none.
    /// GEMM version 2 packs im2col's panels straight from the image; version 1 multiplies it written out.
    /// </summary>
    private void WeightGradient(float* small, float* large, float* dw, ConvShape shape)
    {
        if (shape.OutRows == 0)
        {
            new Span<float>(dw, shape.WeightCount).Clear();
            return;
        }
        if (_gemm2 is not null && NarrowConv.Takes(shape))
        {
            NarrowConvWeightJobs.Run(new NarrowConvWeightGradient(small, large, dw, shape), NarrowConv.WeightGradientItems(shape), minChunk: 1);
            return;
        }
        if (_gemm2 is not null)
        {
            _gemm2.Multiply(GemmOperand.Transposed(small, shape.OutChannels), GemmOperand.Im2Col(large, shape),
                dw, shape.Taps, shape.OutChannels, shape.Taps, shape.OutRows, new NoEpilogue());
            return;
        }
        float* columns = _convScratch.Get<float>(ConvScratch.Use.Columns, (long)shape.OutRows * shape.Taps);
        Im2ColJobs.Run(new Im2ColRows(large, shape, columns, 0), shape.OutRows, minChunk: 64);
        Multiply(GemmOperand.Transposed(small, shape.OutChannels), GemmOperand.RowMajor(columns, shape.Taps),
            dw, shape.Taps, shape.OutChannels, shape.Taps, shape.OutRows, new NoEpilogue());
    }
}
