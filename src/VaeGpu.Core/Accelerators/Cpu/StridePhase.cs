using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// One stride phase of a transposed convolution (the backward-data GEMM of a Conv2d with stride S): the
/// large-image positions (ih, iw) with (ih + P) mod S = <see cref="RowPhase"/> and (iw + P) mod S =
/// <see cref="ColumnPhase"/>. Their rows of the transposed im2col (kernels/Gemm/ConvSources.cs) can be nonzero
/// only in the taps kh ≡ RowPhase, kw ≡ ColumnPhase (mod S), so the phase is a GEMM over those taps alone:
/// with k = 4, S = 2 a quarter of the reduction, the other three quarters being zeros. The taps keep their
/// order (kh, kw, oc ascending), and a zero term adds nothing to a sum that starts at +0 (fma(0, w, s) = s),
/// so every output gets the bits of the whole reduction.
/// </summary>
internal readonly struct StridePhase
{
    /// <summary>(ih + P) mod S and (iw + P) mod S of the phase's positions, and its first taps kh, kw.</summary>
    public readonly int RowPhase, ColumnPhase;

    /// <summary>The first position ih (iw) of the phase; the next are S apart.</summary>
    public readonly int FirstRow, FirstColumn;

    /// <summary>How many rows ih (columns iw) of the large image the phase holds.</summary>
    public readonly int Rows, Columns;

    /// <summary>How many taps kh (kw) the phase reads: RowPhase, RowPhase + S, … below Kernel.</summary>
    public readonly int TapRows, TapColumns;

    private StridePhase(ConvShape s, int rowPhase, int columnPhase)
    {
        RowPhase = rowPhase;
        ColumnPhase = columnPhase;
        FirstRow = Mod(rowPhase - s.Padding, s.Stride);
        FirstColumn = Mod(columnPhase - s.Padding, s.Stride);
        Rows = Count(FirstRow, s.InHeight, s.Stride);
        Columns = Count(FirstColumn, s.InWidth, s.Stride);
        TapRows = Count(rowPhase, s.Kernel, s.Stride);
        TapColumns = Count(columnPhase, s.Kernel, s.Stride);
    }

    /// <summary>Phase <paramref name="index"/> of the S × S phases of <paramref name="shape"/>, row phase major.</summary>
    public static StridePhase At(ConvShape shape, int index) => new(shape, index / shape.Stride, index % shape.Stride);

    /// <summary>The phase's positions over the batch: the rows of its GEMM.</summary>
    public int Positions(ConvShape s) => s.Batch * Rows * Columns;

    /// <summary>TapRows · TapColumns · OutChannels: the reduction of its GEMM (0 when S &gt; Kernel leaves it no tap).</summary>
    public int Reduction(ConvShape s) => TapRows * TapColumns * s.OutChannels;

    /// <summary>The large image's row (n, ih, iw) of the phase's position <paramref name="q"/> = (n, a, b).</summary>
    public long LargeRow(ConvShape s, int q)
    {
        int b = q % Columns, rest = q / Columns, a = rest % Rows, n = rest / Rows;
        return ((long)n * s.InHeight + FirstRow + a * s.Stride) * s.InWidth + FirstColumn + b * s.Stride;
    }

    private static int Mod(int value, int modulus) => (value % modulus + modulus) % modulus;

    /// <summary>How many of first, first + step, … lie below <paramref name="end"/>.</summary>
    private static int Count(int first, int end, int step) => first < end ? (end - 1 - first) / step + 1 : 0;
}
