namespace VaeGpu.Kernels;

/// <summary>
/// The geometry of one 2D convolution with PyTorch's definitions, as a blittable kernel parameter: a
/// Conv2d from the large image (Batch × InHeight × InWidth × InChannels) to the small one
/// (Batch × OutHeight × OutWidth × OutChannels), a square Kernel × Kernel window, Stride and zero Padding,
/// OutHeight = ⌊(InHeight + 2·Padding − Kernel) / Stride⌋ + 1. A ConvTranspose2d is the same geometry run
/// the other way (small → large, <see cref="Transposed"/>), since it is the adjoint of that Conv2d.
///
/// Layout (why NHWC): every tensor is NHWC and a weight is [OutChannels × Kernel × Kernel × InChannels],
/// so the convolution is one GEMM over the positions: rows are output positions, the reduction runs over
/// (kh, kw, c) with c innermost, which is contiguous in memory for both the image and the weights; the
/// output's channels are a row's columns, so the GEMM's store, bias and activation epilogues are the
/// linear layer's own. NCHW would make the reduction stride across planes on the CPU and the GPU alike.
/// </summary>
public readonly struct ConvShape
{
    public readonly int Batch, InChannels, InHeight, InWidth, OutChannels, OutHeight, OutWidth, Kernel, Stride, Padding;

    private ConvShape(int batch, int inChannels, int inHeight, int inWidth, int outChannels, int outHeight, int outWidth,
        int kernel, int stride, int padding)
    {
        Batch = batch;
        InChannels = inChannels;
        InHeight = inHeight;
        InWidth = inWidth;
        OutChannels = outChannels;
        OutHeight = outHeight;
        OutWidth = outWidth;
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
    }

    /// <summary>Output positions of the Conv2d (the small image's pixels): the rows of its GEMM.</summary>
    public int OutRows => Batch * OutHeight * OutWidth;

    /// <summary>Input positions (the large image's pixels): the rows of the backward-data GEMM.</summary>
    public int InRows => Batch * InHeight * InWidth;

    /// <summary>Kernel · Kernel · InChannels: the reduction length of the forward GEMM, the weights per output channel.</summary>
    public int Taps => Kernel * Kernel * InChannels;

    /// <summary>Kernel · Kernel · OutChannels: the reduction length of the backward-data GEMM.</summary>
    public int TransposedTaps => Kernel * Kernel * OutChannels;

    public int WeightCount => OutChannels * Taps;

    public int InputLength => InRows * InChannels;

    public int OutputLength => OutRows * OutChannels;

    /// <summary>
    /// A Conv2d of a Batch × inHeight × inWidth × inChannels image; a one-line error (ArgumentException) when the
    /// window does not fit even once or a size is not positive.
    /// </summary>
    public static ConvShape Conv2d(int batch, int inChannels, int inHeight, int inWidth, int outChannels, int kernel, int stride, int padding)
    {
        Check(batch >= 0, "batch", batch, "is negative");
        Check(inChannels > 0 && outChannels > 0, "channels", Math.Min(inChannels, outChannels), "must be positive");
        Check(kernel > 0, "kernel", kernel, "must be positive");
        Check(stride > 0, "stride", stride, "must be positive");
        Check(padding >= 0 && padding < kernel, "padding", padding, $"must be in [0, kernel {kernel})");
        int outHeight = OutSize(inHeight, kernel, stride, padding), outWidth = OutSize(inWidth, kernel, stride, padding);
        Check(inHeight > 0 && inWidth > 0 && outHeight > 0 && outWidth > 0, "image", $"{inHeight}×{inWidth}",
            $"is smaller than the {kernel}×{kernel} window with padding {padding}");
        return new ConvShape(batch, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, kernel, stride, padding);
    }

    /// <summary>
    /// The geometry of a ConvTranspose2d from Batch × height × width × inChannels to outChannels, PyTorch's
    /// output size (height − 1)·stride − 2·padding + kernel + outputPadding (outputPadding &lt; stride): the Conv2d
    /// from that large image back to this one, whose InChannels are the transposed convolution's outChannels.
    /// </summary>
    public static ConvShape Transposed(int batch, int inChannels, int height, int width, int outChannels, int kernel, int stride,
        int padding, int outputPadding)
    {
        Check(stride > 0, "stride", stride, "must be positive");
        Check(outputPadding >= 0 && outputPadding < stride, "output padding", outputPadding, $"must be in [0, stride {stride})");
        Check(height > 0 && width > 0, "image", $"{height}×{width}", "must be at least 1×1");
        int bigHeight = (height - 1) * stride - 2 * padding + kernel + outputPadding;
        int bigWidth = (width - 1) * stride - 2 * padding + kernel + outputPadding;
        Check(bigHeight > 0 && bigWidth > 0, "image", $"{height}×{width}", $"gives an output of {bigHeight}×{bigWidth}");
        // outputPadding < stride keeps the floor in Conv2d's output size from rounding to another size than height × width.
        return Conv2d(batch, outChannels, bigHeight, bigWidth, inChannels, kernel, stride, padding);
    }

    /// <summary>The same convolution over <paramref name="batch"/> images.</summary>
    public ConvShape WithBatch(int batch)
    {
        if (batch < 0) throw new ArgumentException($"convolution batch {batch} is negative");
        return new ConvShape(batch, InChannels, InHeight, InWidth, OutChannels, OutHeight, OutWidth, Kernel, Stride, Padding);
    }

    public override string ToString() =>
        $"{Batch}×{InHeight}×{InWidth}×{InChannels} → {OutHeight}×{OutWidth}×{OutChannels} (kernel {Kernel}, stride {Stride}, padding {Padding})";

    private static int OutSize(int size, int kernel, int stride, int padding)
    {
        int span = size + 2 * padding - kernel;
        return span < 0 ? 0 : span / stride + 1;
    }

    private static void Check(bool ok, string what, object value, string problem)
    {
        if (!ok) throw new ArgumentException($"convolution {what} {value} {problem}");
    }
}
