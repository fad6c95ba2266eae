using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// A transposed convolution to a few channels (a decoder's last layer, to 1 or 3 image channels) computed
/// directly, not through the GEMM, whose 32-column tiles would be 1/32 used there (0.8 GFLOP/s measured).
///
/// Per image, the small image is transposed into one zero-bordered plane per channel oc, so that for a stride
/// phase (<see cref="StridePhase"/>) and a tap (th, tw) the inputs of the phase's positions (a, b), laid out on
/// the plane's pitch, are one contiguous run of the plane: the sum over (th, tw, oc) is a run of vector FMAs,
/// each lane one output position. Every output is summed as the GEMM sums it (from +0, one FMA per nonzero tap
/// in the order (th, tw, oc), which is the transposed im2col's column order), so the bits are the GEMM path's
/// and the device's. Writes the raw sums; the caller runs the epilogue.
/// </summary>
internal static unsafe class NarrowTransposedConv
{
    /// <summary>The widest output (the transposed convolution's channels, ConvShape.InChannels) this path takes.</summary>
    public const int MaxChannels = 4;

    /// <summary>Vectors of positions summed together (independent FMA chains that hide the FMA latency).</summary>
    private const int Unroll = 4;

    /// <summary>The padded planes of one shape: where a position's inputs lie for every phase and tap.</summary>
    internal readonly struct Planes
    {
        public readonly int Top, Left, Pitch, Height, Length;

        public Planes(ConvShape s)
        {
            int top = 0, left = 0, bottom = s.OutHeight, right = s.OutWidth;
            for (int index = 0; index < s.Stride * s.Stride; index++)
            {
                StridePhase phase = StridePhase.At(s, index);
                // Position a of the phase reads row oh = a + Shift(RowPhase) − th, th < TapRows.
                int rowShift = RowShift(s, phase.FirstRow, phase.RowPhase), columnShift = RowShift(s, phase.FirstColumn, phase.ColumnPhase);
                top = Math.Max(top, phase.TapRows - 1 - rowShift);
                left = Math.Max(left, phase.TapColumns - 1 - columnShift);
                bottom = Math.Max(bottom, phase.Rows + rowShift);
                right = Math.Max(right, phase.Columns + columnShift);
            }
            Top = top;
            Left = left;
            Pitch = left + right;
            Height = top + bottom;
            // Room past the last row for the vectors that run over the end of a phase's grid (their lanes are dropped).
            Length = Height * Pitch + Unroll * Vector512<float>.Count + Pitch;
        }
    }

    /// <summary>(first + P − phase) / S: how far below a phase position's row its first tap's input row lies.</summary>
    private static int RowShift(ConvShape s, int first, int phase) => (first + s.Padding - phase) / s.Stride;

    /// <summary>
    /// Images [start, end) of out[InRows × InChannels] = the transposed convolution of small (raw sums);
    /// <paramref name="scratch"/> holds OutChannels planes plus one grid (<see cref="ScratchFloats"/>).
    /// </summary>
    public static void Images(float* small, float* w, float* output, ConvShape s, int start, int end, float* scratch)
    {
        var planes = new Planes(s);
        float* grid = scratch + (long)s.OutChannels * planes.Length;
        for (int n = start; n < end; n++)
        {
            FillPlanes(small + (long)n * s.OutHeight * s.OutWidth * s.OutChannels, s, planes, scratch);
            for (int index = 0; index < s.Stride * s.Stride; index++)
            {
                StridePhase phase = StridePhase.At(s, index);
                if (phase.Rows == 0 || phase.Columns == 0) continue;
                for (int ic = 0; ic < s.InChannels; ic++)
                {
                    PhaseSums(w, s, planes, phase, ic, scratch, grid);
                    for (int a = 0; a < phase.Rows; a++)
                    for (int b = 0; b < phase.Columns; b++)
                        output[phase.LargeRow(s, (n * phase.Rows + a) * phase.Columns + b) * s.InChannels + ic] = grid[a * planes.Pitch + b];
                }
            }
        }
    }

    /// <summary>Floats of scratch one range of images needs.</summary>
    public static long ScratchFloats(ConvShape s)
    {
        var planes = new Planes(s);
        return (long)(s.OutChannels + 1) * planes.Length;
    }

    /// <summary>small[n] (OutHeight × OutWidth × OutChannels) into one zero-bordered plane per channel.</summary>
    private static void FillPlanes(float* image, ConvShape s, Planes planes, float* destination)
    {
        new Span<float>(destination, s.OutChannels * planes.Length).Clear();
        for (int oh = 0; oh < s.OutHeight; oh++)
        for (int ow = 0; ow < s.OutWidth; ow++)
        {
            float* pixel = image + ((long)oh * s.OutWidth + ow) * s.OutChannels;
            float* at = destination + (long)(oh + planes.Top) * planes.Pitch + ow + planes.Left;
            for (int oc = 0; oc < s.OutChannels; oc++) at[(long)oc * planes.Length] = pixel[oc];
        }
    }

    /// <summary>grid[a · Pitch + b] = Σ over (th, tw, oc) in order of plane_oc[input of (a, b)] · w[oc, kh, kw, ic], from +0.</summary>
    private static void PhaseSums(float* w, ConvShape s, Planes planes, StridePhase phase, int ic, float* planesStart, float* grid)
    {
        // The phase's terms in summation order: each one weight and where its inputs start on the planes.
        int terms = phase.TapRows * phase.TapColumns * s.OutChannels;
        float* weights = stackalloc float[terms];
        long* inputs = stackalloc long[terms];
        int rowShift = RowShift(s, phase.FirstRow, phase.RowPhase), columnShift = RowShift(s, phase.FirstColumn, phase.ColumnPhase);
        int t = 0;
        for (int th = 0; th < phase.TapRows; th++)
        for (int tw = 0; tw < phase.TapColumns; tw++)
        for (int oc = 0; oc < s.OutChannels; oc++, t++)
        {
            int kh = phase.RowPhase + th * s.Stride, kw = phase.ColumnPhase + tw * s.Stride;
            weights[t] = w[((long)(oc * s.Kernel + kh) * s.Kernel + kw) * s.InChannels + ic];
            inputs[t] = (long)oc * planes.Length + (long)(rowShift - th + planes.Top) * planes.Pitch + columnShift - tw + planes.Left;
        }
        int positions = phase.Rows * planes.Pitch;
        if (Vector512.IsHardwareAccelerated)
        {
            for (int g0 = 0; g0 < positions; g0 += Unroll * Vector512<float>.Count)
            {
                Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
                for (t = 0; t < terms; t++)
                {
                    var weight = Vector512.Create(weights[t]);
                    float* p = planesStart + inputs[t] + g0;
                    c0 = Vector512.FusedMultiplyAdd(Vector512.Load(p), weight, c0);
                    c1 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 16), weight, c1);
                    c2 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 32), weight, c2);
                    c3 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 48), weight, c3);
                }
                c0.Store(grid + g0);
                c1.Store(grid + g0 + 16);
                c2.Store(grid + g0 + 32);
                c3.Store(grid + g0 + 48);
            }
            return;
        }
        // Vector256 (software FMA, correctly rounded, where the processor lacks it): the same sums. The two widths
        // are written out because .NET 10 has no public interface over Vector256 and Vector512 to write them once.
        for (int g0 = 0; g0 < positions; g0 += Unroll * Vector256<float>.Count)
        {
            Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
            for (t = 0; t < terms; t++)
            {
                var weight = Vector256.Create(weights[t]);
                float* p = planesStart + inputs[t] + g0;
                c0 = Vector256.FusedMultiplyAdd(Vector256.Load(p), weight, c0);
                c1 = Vector256.FusedMultiplyAdd(Vector256.Load(p + 8), weight, c1);
                c2 = Vector256.FusedMultiplyAdd(Vector256.Load(p + 16), weight, c2);
                c3 = Vector256.FusedMultiplyAdd(Vector256.Load(p + 24), weight, c3);
            }
            c0.Store(grid + g0);
            c1.Store(grid + g0 + 8);
            c2.Store(grid + g0 + 16);
            c3.Store(grid + g0 + 24);
        }
    }
}

/// <summary>
/// A range of images of <see cref="NarrowTransposedConv"/> as a job for the worker pool, each chunk with scratch
/// of its own (native, freed at its end: a few per op, where a per-worker buffer would need the pool's worker index).
/// </summary>
internal readonly unsafe struct NarrowTransposedConvImages(float* small, float* w, float* output, ConvShape shape) : IRangeJob
{
    public void Run(int start, int end)
    {
        float* scratch = (float*)NativeMemory.AlignedAlloc((nuint)(NarrowTransposedConv.ScratchFloats(shape) * sizeof(float)), 64);
        try
        {
            NarrowTransposedConv.Images(small, w, output, shape, start, end, scratch);
        }
        finally
        {
            NativeMemory.AlignedFree(scratch);
        }
    }
}
