using System.Numerics;
using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// The weight gradient of a convolution from a few channels (an encoder's first layer on a 1- or 3-channel image,
/// and the decoder's last layer, whose image-sized gradient plays the image) computed directly instead of through
/// the GEMM: dw is only OutChannels × Kernel² · InChannels sums (32 × 16) over 25,088 rows, a GEMM of one half-used
/// panel whose B is lowered and packed in full before any FMA. Measured on a Zen 5 EPYC, 2 threads: 0.45 ms against
/// the GEMM's 0.52–0.90. (The forward direction was tried the same way and was no faster than the GEMM: it stays there.)
///
/// Every sum runs as the GEMM runs it, from +0 with one FMA per output row in row order, padding taps included as
/// FMAs of +0, so the bits are the GEMM path's and the device's. Vector&lt;float&gt; lanes run along the output
/// channels (8 with AVX2 and with AVX-512 alike), so the path takes output-channel counts that are a multiple of the
/// lane count; another count goes through the GEMM.
/// </summary>
internal static unsafe class NarrowConv
{
    /// <summary>The widest input (ConvShape.InChannels) this path takes.</summary>
    public const int MaxChannels = 4;

    /// <summary>Rows lowered at a time into the stack: Rows × 8 floats.</summary>
    private const int Rows = 64;

    /// <summary>Taps summed together in the weight gradient: that many independent FMA chains.</summary>
    private const int TapGroup = 8;

    private static int Lanes => Vector<float>.Count;

    /// <summary>The widest output this path takes: its weight gradient keeps 8 sums per output channel on the stack.</summary>
    private const int MaxOutChannels = 256;

    public static bool Takes(ConvShape s) =>
        s.InChannels <= MaxChannels && s.Taps <= 64 && s.OutChannels <= MaxOutChannels && Vector.IsHardwareAccelerated &&
        s.OutChannels % Lanes == 0;

    /// <summary>Work items of <see cref="WeightGradient"/>: one per group of 8 taps.</summary>
    public static int WeightGradientItems(ConvShape s) => (s.Taps + TapGroup - 1) / TapGroup;

    /// <summary>
    /// Columns [t0, t0 + group) of im2col rows [r0, r0 + count), row i at destination + i·stride: the values of
    /// <see cref="ConvLowering.Im2ColColumns"/>, a pixel at a time (its runs of one to four floats cost more in
    /// bookkeeping than in copying; this path lowered that way spent most of its time there).
    /// </summary>
    private static void Lower(float* image, ConvShape s, int r0, int count, int t0, int group, float* destination, int stride)
    {
        int channels = s.InChannels, rowTaps = s.Kernel * channels;
        int* kh = stackalloc int[group], kw = stackalloc int[group], c = stackalloc int[group];
        for (int g = 0; g < group; g++)
        {
            int t = t0 + g;
            kh[g] = t / rowTaps;
            kw[g] = t % rowTaps / channels;
            c[g] = t % channels;
        }
        int ow = r0 % s.OutWidth, rest = r0 / s.OutWidth, oh = rest % s.OutHeight, n = rest / s.OutHeight;
        for (int i = 0; i < count; i++, destination += stride)
        {
            int top = oh * s.Stride - s.Padding, left = ow * s.Stride - s.Padding;
            float* plane = image + (long)n * s.InHeight * s.InWidth * channels;
            for (int g = 0; g < group; g++)
            {
                int ih = top + kh[g], iw = left + kw[g];
                destination[g] = (uint)ih < (uint)s.InHeight && (uint)iw < (uint)s.InWidth ? plane[((long)ih * s.InWidth + iw) * channels + c[g]] : 0f;
            }
            if (++ow < s.OutWidth) continue;
            ow = 0;
            if (++oh < s.OutHeight) continue;
            oh = 0;
            n++;
        }
    }

    /// <summary>
    /// Items [start, end) of dw [OutChannels × Taps] = dYᵀ · im2col(image), each item a group of up to 8 taps for every
    /// output channel, summed over every output row in order from row 0: the group's columns are lowered 64 rows at a
    /// time, once, and each vector of output channels carries its 8 sums (one FMA chain per tap) across the blocks
    /// in <paramref name="start"/>'s scratch.
    /// </summary>
    public static void WeightGradient(float* dy, float* image, float* dw, ConvShape s, int start, int end)
    {
        int taps = s.Taps, channels = s.OutChannels, lanes = Lanes, vectors = channels / lanes;
        float* lowered = stackalloc float[Rows * TapGroup];
        // Per vector of output channels, its 8 taps' running sums (MaxOutChannels / lanes vectors at most).
        float* sums = stackalloc float[TapGroup * MaxOutChannels];
        for (int item = start; item < end; item++)
        {
            int t0 = item * TapGroup, group = Math.Min(TapGroup, taps - t0);
            // A group of fewer than 8 taps leaves its last lowered columns at +0; their sums are not stored.
            new Span<float>(lowered, Rows * TapGroup).Clear();
            new Span<float>(sums, TapGroup * channels).Clear();
            for (int r0 = 0; r0 < s.OutRows; r0 += Rows)
            {
                int count = Math.Min(Rows, s.OutRows - r0);
                Lower(image, s, r0, count, t0, group, lowered, TapGroup);
                for (int v = 0; v < vectors; v++)
                {
                    float* vs = sums + v * TapGroup * lanes;
                    Vector<float> a0 = Vector.Load(vs), a1 = Vector.Load(vs + lanes), a2 = Vector.Load(vs + 2 * lanes), a3 = Vector.Load(vs + 3 * lanes);
                    Vector<float> a4 = Vector.Load(vs + 4 * lanes), a5 = Vector.Load(vs + 5 * lanes), a6 = Vector.Load(vs + 6 * lanes), a7 = Vector.Load(vs + 7 * lanes);
                    float* d0 = dy + (long)r0 * channels + v * lanes;
                    for (int i = 0; i < count; i++)
                    {
                        var d = Vector.Load(d0 + (long)i * channels);
                        float* p = lowered + i * TapGroup;
                        a0 = Vector.FusedMultiplyAdd(new Vector<float>(p[0]), d, a0);
                        a1 = Vector.FusedMultiplyAdd(new Vector<float>(p[1]), d, a1);
                        a2 = Vector.FusedMultiplyAdd(new Vector<float>(p[2]), d, a2);
                        a3 = Vector.FusedMultiplyAdd(new Vector<float>(p[3]), d, a3);
                        a4 = Vector.FusedMultiplyAdd(new Vector<float>(p[4]), d, a4);
                        a5 = Vector.FusedMultiplyAdd(new Vector<float>(p[5]), d, a5);
                        a6 = Vector.FusedMultiplyAdd(new Vector<float>(p[6]), d, a6);
                        a7 = Vector.FusedMultiplyAdd(new Vector<float>(p[7]), d, a7);
                    }
                    a0.Store(vs); a1.Store(vs + lanes); a2.Store(vs + 2 * lanes); a3.Store(vs + 3 * lanes);
                    a4.Store(vs + 4 * lanes); a5.Store(vs + 5 * lanes); a6.Store(vs + 6 * lanes); a7.Store(vs + 7 * lanes);
                }
            }
            for (int v = 0; v < vectors; v++)
                for (int g = 0; g < group; g++)
                    for (int lane = 0; lane < lanes; lane++)
                        dw[(long)(v * lanes + lane) * taps + t0 + g] = sums[(v * TapGroup + g) * lanes + lane];
        }
    }
}

/// <summary>Items of <see cref="NarrowConv.WeightGradient"/> as a job for the worker pool.</summary>
internal readonly unsafe struct NarrowConvWeightGradient(float* dy, float* image, float* dw, ConvShape shape) : IRangeJob
{
    public void Run(int start, int end) => NarrowConv.WeightGradient(dy, image, dw, shape, start, end);
}
