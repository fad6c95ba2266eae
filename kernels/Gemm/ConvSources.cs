using System.Runtime.CompilerServices;
using ILGPU;

namespace VaeGpu.Kernels;

/// <summary>
/// The im2col matrix of a Conv2d read in place (implicit GEMM: nothing is materialized on the device).
/// Element (r, t): r = (n, oh, ow) an output position, t = (kh, kw, c) a tap, c innermost; the value is the
/// large image's pixel x[n, oh·S − P + kh, ow·S − P + kw, c], 0 in the padding. The forward GEMM reads it as
/// A (rows × taps), the weight gradient as B (rows are its reduction).
/// </summary>
public readonly struct Im2Col : IMatrixSource
{
    private readonly ArrayView<float> _image;
    private readonly ConvShape _shape;

    public Im2Col(ArrayView<float> image, ConvShape shape)
    {
        _image = image;
        _shape = shape;
    }

    public bool RowMajor => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int row, int column)
    {
        ConvShape s = _shape;
        int ow = row % s.OutWidth, rest = row / s.OutWidth;
        int oh = rest % s.OutHeight, n = rest / s.OutHeight;
        int c = column % s.InChannels, tap = column / s.InChannels;
        int kw = tap % s.Kernel, kh = tap / s.Kernel;
        int ih = oh * s.Stride - s.Padding + kh, iw = ow * s.Stride - s.Padding + kw;
        return ih >= 0 && ih < s.InHeight && iw >= 0 && iw < s.InWidth
            ? _image[((n * s.InHeight + ih) * s.InWidth + iw) * s.InChannels + c]
            : 0f;
    }
}

/// <summary>
/// The backward-data (transposed) im2col of a Conv2d, read in place. Element (q, j): q = (n, ih, iw) a
/// large-image position, j = (kh, kw, oc), oc innermost; the value is the small image's g[n, oh, ow, oc]
/// where ih + P − kh = oh·S and iw + P − kw = ow·S, 0 where no output position reaches (q) through tap (kh, kw).
/// The zero terms add nothing to a sum (fma(0, w, s) = s for finite w), so a version that skips them keeps
/// the bits of the nonzero ones.
/// </summary>
public readonly struct TransposedIm2Col : IMatrixSource
{
    private readonly ArrayView<float> _small;
    private readonly ConvShape _shape;

    public TransposedIm2Col(ArrayView<float> small, ConvShape shape)
    {
        _small = small;
        _shape = shape;
    }

    public bool RowMajor => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int row, int column)
    {
        ConvShape s = _shape;
        int iw = row % s.InWidth, rest = row / s.InWidth;
        int ih = rest % s.InHeight, n = rest / s.InHeight;
        int oc = column % s.OutChannels, tap = column / s.OutChannels;
        int kw = tap % s.Kernel, kh = tap / s.Kernel;
        int y = ih + s.Padding - kh, x = iw + s.Padding - kw;
        if (y < 0 || x < 0 || y % s.Stride != 0 || x % s.Stride != 0) return 0f;
        int oh = y / s.Stride, ow = x / s.Stride;
        return oh < s.OutHeight && ow < s.OutWidth ? _small[((n * s.OutHeight + oh) * s.OutWidth + ow) * s.OutChannels + oc] : 0f;
    }
}

/// <summary>
/// A Conv2d's weights [OutChannels × Kernel × Kernel × InChannels] regrouped for the backward-data GEMM:
/// element (j, c) with j = (kh, kw, oc) is w[oc, kh, kw, c], read in place.
/// </summary>
public readonly struct WeightsByInputChannel : IMatrixSource
{
    private readonly ArrayView<float> _weights;
    private readonly ConvShape _shape;

    public WeightsByInputChannel(ArrayView<float> weights, ConvShape shape)
    {
        _weights = weights;
        _shape = shape;
    }

    public bool RowMajor => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int row, int column)
    {
        ConvShape s = _shape;
        int oc = row % s.OutChannels, tap = row / s.OutChannels;
        return _weights[(oc * s.Kernel * s.Kernel + tap) * s.InChannels + column];
    }
}
