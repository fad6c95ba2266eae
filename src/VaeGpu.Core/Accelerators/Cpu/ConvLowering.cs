using System.Runtime.InteropServices;
using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// The CPU twin of the device's implicit-GEMM operands (kernels/Gemm/ConvSources.cs): the same matrices
/// written out, so that the CPU GEMM, which sums each output's reduction in order from 0 with one FMA per
/// term as the device does, gives the device's bits. Element for element these are
/// <see cref="Im2Col"/>, <see cref="TransposedIm2Col"/> and <see cref="WeightsByInputChannel"/>; a change
/// there must be made here too (the op suites and the cross-accelerator equality test catch a mismatch).
/// GEMM version 1 writes these matrices out in chunks; version 2 writes a micro-block of rows (or a panel's
/// slice, <see cref="Im2ColColumns"/>) at a time while packing, or reads an im2col panel in place
/// (<see cref="Im2ColRowPointers"/>).
/// </summary>
internal static unsafe class ConvLowering
{
    /// <summary>
    /// Rows [start, end) of im2col(image): [OutRows × Taps], row (n, oh, ow), column (kh, kw, c); 0 in the padding.
    /// Row <paramref name="first"/> is written at <paramref name="destination"/> (a chunk of rows in a smaller buffer).
    /// </summary>
    public static void Im2Col(float* image, ConvShape s, float* destination, int start, int end, int first = 0) =>
        Im2ColColumns(image, s, start, end, 0, s.Taps, destination + (long)(start - first) * s.Taps, s.Taps);

    /// <summary>
    /// Columns [tap0, tap0 + count) of im2col rows [rowFrom, rowTo), row r at destination + (r − rowFrom)·stride: a
    /// GEMM panel's slice of the rows (GEMM version 2 packs im2col operands straight from the image with it). The
    /// row's position (n, oh, ow) is stepped along, not divided out per row.
    /// </summary>
    public static void Im2ColColumns(float* image, ConvShape s, int rowFrom, int rowTo, int tap0, int count, float* destination,
        int destinationStride)
    {
        if (rowFrom >= rowTo) return;
        int ow = rowFrom % s.OutWidth, rest = rowFrom / s.OutWidth, oh = rest % s.OutHeight, n = rest / s.OutHeight;
        for (int r = rowFrom; r < rowTo; r++, destination += destinationStride)
        {
            Im2ColSlice(image, s, n, oh, ow, tap0, count, destination);
            if (++ow < s.OutWidth) continue;
            ow = 0;
            if (++oh < s.OutHeight) continue;
            oh = 0;
            n++;
        }
    }

    /// <summary>
    /// Per im2col row in [rowFrom, rowTo), the address of column <paramref name="tap0"/> in the image (kernel tap
    /// (kh, kw), channel c0: the row's run of channels from there), or <paramref name="zeroRow"/> where the tap falls
    /// in the padding: GEMM version 2 reads such a panel in place.
    /// </summary>
    public static void Im2ColRowPointers(float* image, ConvShape s, int rowFrom, int rowTo, int tap0, float** destination, float* zeroRow)
    {
        if (rowFrom >= rowTo) return;
        int channels = s.InChannels, tap = tap0 / channels, c0 = tap0 % channels, kh = tap / s.Kernel, kw = tap % s.Kernel;
        int ow = rowFrom % s.OutWidth, rest = rowFrom / s.OutWidth, oh = rest % s.OutHeight, n = rest / s.OutHeight;
        for (int r = rowFrom; r < rowTo; r++, destination++)
        {
            int ih = oh * s.Stride - s.Padding + kh, iw = ow * s.Stride - s.Padding + kw;
            *destination = (uint)ih < (uint)s.InHeight && (uint)iw < (uint)s.InWidth
                ? image + ((long)(n * s.InHeight + ih) * s.InWidth + iw) * channels + c0
                : zeroRow;
            if (++ow < s.OutWidth) continue;
            ow = 0;
            if (++oh < s.OutHeight) continue;
            oh = 0;
            n++;
        }
    }

    /// <summary>Columns [tap0, tap0 + count) of the im2col row of output position (n, oh, ow).</summary>
    private static void Im2ColSlice(float* image, ConvShape s, int n, int oh, int ow, int tap0, int count, float* destination)
    {
        int channels = s.InChannels, rowTaps = s.Kernel * channels;
        // The taps kw in [kwFrom, kwTo) fall inside the image: within one kh, a contiguous run of the image row
        // (c innermost), copied at once, which keeps a one-channel image from costing a call per float.
        int left = ow * s.Stride - s.Padding, top = oh * s.Stride - s.Padding;
        if (tap0 == 0 && count == s.Taps && left >= 0 && left + s.Kernel <= s.InWidth && top >= 0 && top + s.Kernel <= s.InHeight)
        {
            // The window lies inside the image (most rows): Kernel runs of Kernel · channels floats, no padding to clear.
            float* from = image + ((long)(n * s.InHeight + top) * s.InWidth + left) * channels;
            for (int kh = 0; kh < s.Kernel; kh++, from += (long)s.InWidth * channels, destination += rowTaps)
                FloatRuns.Copy(from, destination, rowTaps);
            return;
        }
        int kwFrom = Math.Clamp(-left, 0, s.Kernel), kwTo = Math.Clamp(s.InWidth - left, kwFrom, s.Kernel);
        for (int t = tap0, end = tap0 + count; t < end;)
        {
            int kh = t / rowTaps, rowStart = kh * rowTaps, segmentEnd = Math.Min(end, rowStart + rowTaps);
            int ih = top + kh;
            float* to = destination + (t - tap0);
            if (ih < 0 || ih >= s.InHeight)
            {
                FloatRuns.Clear(to, segmentEnd - t);
                t = segmentEnd;
                continue;
            }
            int inFrom = Math.Clamp(rowStart + kwFrom * channels, t, segmentEnd), inTo = Math.Clamp(rowStart + kwTo * channels, inFrom, segmentEnd);
            FloatRuns.Clear(to, inFrom - t);
            long from = ((long)(n * s.InHeight + ih) * s.InWidth + left) * channels + (inFrom - rowStart);
            FloatRuns.Copy(image + from, destination + (inFrom - tap0), inTo - inFrom);
            FloatRuns.Clear(destination + (inTo - tap0), segmentEnd - inTo);
            t = segmentEnd;
        }
    }

    /// <summary>
    /// Rows [start, end) of the transposed im2col of the small image: [InRows × TransposedTaps], row (n, ih, iw),
    /// column (kh, kw, oc): small[n, oh, ow, oc] where ih + P − kh = oh·S and iw + P − kw = ow·S, else 0.
    /// </summary>
    public static void TransposedIm2Col(float* small, ConvShape s, float* destination, int start, int end, int first = 0)
    {
        int channels = s.OutChannels;
        for (int q = start; q < end; q++)
        {
            int iw = q % s.InWidth, rest = q / s.InWidth, ih = rest % s.InHeight, n = rest / s.InHeight;
            float* row = destination + (long)(q - first) * s.TransposedTaps;
            for (int kh = 0; kh < s.Kernel; kh++)
            for (int kw = 0; kw < s.Kernel; kw++)
            {
                float* taps = row + (kh * s.Kernel + kw) * channels;
                int y = ih + s.Padding - kh, x = iw + s.Padding - kw;
                int oh = y / s.Stride, ow = x / s.Stride;
                if (y >= 0 && x >= 0 && y % s.Stride == 0 && x % s.Stride == 0 && oh < s.OutHeight && ow < s.OutWidth)
                    FloatRuns.Copy(small + ((long)(n * s.OutHeight + oh) * s.OutWidth + ow) * channels, taps, channels);
                else
                    FloatRuns.Clear(taps, channels);
            }
        }
    }

    /// <summary>
    /// Rows [start, end) of one stride phase's part of the transposed im2col (<see cref="StridePhase"/>):
    /// [phase positions × phase reduction], row q = (n, a, b) the position (ih, iw) = (FirstRow + a·S,
    /// FirstColumn + b·S), column (th, tw, oc) the tap (RowPhase + th·S, ColumnPhase + tw·S): the nonzero
    /// columns of <see cref="TransposedIm2Col"/>'s row (n, ih, iw), in their order.
    /// </summary>
    public static void PhaseIm2Col(float* small, ConvShape s, StridePhase phase, float* destination, int start, int end, int first = 0)
    {
        int channels = s.OutChannels, reduction = phase.Reduction(s);
        for (int q = start; q < end; q++)
        {
            int b = q % phase.Columns, rest = q / phase.Columns, a = rest % phase.Rows, n = rest / phase.Rows;
            int ih = phase.FirstRow + a * s.Stride, iw = phase.FirstColumn + b * s.Stride;
            float* row = destination + (long)(q - first) * reduction;
            for (int th = 0; th < phase.TapRows; th++)
            for (int tw = 0; tw < phase.TapColumns; tw++)
            {
                float* taps = row + (th * phase.TapColumns + tw) * channels;
                // y and x are multiples of S by the phase's choice of taps.
                int y = ih + s.Padding - phase.RowPhase - th * s.Stride, x = iw + s.Padding - phase.ColumnPhase - tw * s.Stride;
                int oh = y / s.Stride, ow = x / s.Stride;
                if (y >= 0 && x >= 0 && oh < s.OutHeight && ow < s.OutWidth)
                    FloatRuns.Copy(small + ((long)(n * s.OutHeight + oh) * s.OutWidth + ow) * channels, taps, channels);
                else
                    FloatRuns.Clear(taps, channels);
            }
        }
    }

    /// <summary>The rows of <see cref="WeightsByInputChannel"/> that one stride phase reads: [(th, tw, oc) × InChannels].</summary>
    public static void PhaseWeights(float* w, ConvShape s, StridePhase phase, float* destination)
    {
        for (int th = 0; th < phase.TapRows; th++)
        for (int tw = 0; tw < phase.TapColumns; tw++)
        {
            int tap = (phase.RowPhase + th * s.Stride) * s.Kernel + phase.ColumnPhase + tw * s.Stride;
            for (int oc = 0; oc < s.OutChannels; oc++)
                new ReadOnlySpan<float>(w + ((long)oc * s.Kernel * s.Kernel + tap) * s.InChannels, s.InChannels)
                    .CopyTo(new Span<float>(destination + ((long)(th * phase.TapColumns + tw) * s.OutChannels + oc) * s.InChannels,
                        s.InChannels));
        }
    }

    /// <summary>w [OutChannels × k × k × InChannels] as [(kh, kw, oc) × InChannels].</summary>
    public static void WeightsByInputChannel(float* w, ConvShape s, float* destination)
    {
        int taps = s.Kernel * s.Kernel;
        for (int tap = 0; tap < taps; tap++)
        for (int oc = 0; oc < s.OutChannels; oc++)
            new ReadOnlySpan<float>(w + ((long)oc * taps + tap) * s.InChannels, s.InChannels)
                .CopyTo(new Span<float>(destination + ((long)tap * s.OutChannels + oc) * s.InChannels, s.InChannels));
    }
}

/// <summary>
/// A chunk of im2col rows as a job for the worker pool: item i is row <paramref name="first"/> + i, written at
/// destination + i·taps. Each row is a copy, so any split gives the same matrix.
/// </summary>
internal readonly unsafe struct Im2ColRows(float* image, ConvShape shape, float* destination, int first) : IRangeJob
{
    public void Run(int start, int end) => ConvLowering.Im2Col(image, shape, destination, first + start, first + end, first);
}

/// <summary>A chunk of transposed im2col rows as a job for the worker pool (see <see cref="Im2ColRows"/>).</summary>
internal readonly unsafe struct TransposedIm2ColRows(float* small, ConvShape shape, float* destination, int first) : IRangeJob
{
    public void Run(int start, int end) => ConvLowering.TransposedIm2Col(small, shape, destination, first + start, first + end, first);
}

/// <summary>A chunk of one stride phase's im2col rows as a job for the worker pool (see <see cref="Im2ColRows"/>).</summary>
internal readonly unsafe struct PhaseIm2ColRows(float* small, ConvShape shape, StridePhase phase, float* destination, int first) : IRangeJob
{
    public void Run(int start, int end) => ConvLowering.PhaseIm2Col(small, shape, phase, destination, first + start, first + end, first);
}

/// <summary>
/// Native scratch for the lowered convolution operands (and the fused loss's logits and pixel sums), one
/// buffer per use, grown on demand and kept (a training step then allocates nothing); freed with the accelerator.
/// </summary>
internal sealed unsafe class ConvScratch : IDisposable
{
    public enum Use { Columns, Weights, Logits, PixelSums, PhaseSums }

    private readonly void*[] _buffers = new void*[5];
    private readonly long[] _bytes = new long[5];

    /// <summary>Room for <paramref name="count"/> elements for <paramref name="use"/>; the contents are not kept.</summary>
    public T* Get<T>(Use use, long count) where T : unmanaged
    {
        int slot = (int)use;
        long bytes = Math.Max(1, count) * sizeof(T);
        if (bytes > _bytes[slot])
        {
            NativeMemory.Free(_buffers[slot]);
            _buffers[slot] = null;
            _bytes[slot] = 0;
            _buffers[slot] = NativeMemory.Alloc((nuint)bytes);
            _bytes[slot] = bytes;
        }
        return (T*)_buffers[slot];
    }

    public void Dispose()
    {
        for (int slot = 0; slot < _buffers.Length; slot++)
        {
            NativeMemory.Free(_buffers[slot]);
            _buffers[slot] = null;
            _bytes[slot] = 0;
        }
    }
}
