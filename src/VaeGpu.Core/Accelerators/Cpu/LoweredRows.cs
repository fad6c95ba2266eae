using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// Which lowered convolution matrix (<see cref="ConvLowering"/>) a GEMM operand stands for, so that GEMM
/// version 2 can write its rows while packing them, a micro-block at a time, instead of reading them from
/// a materialized matrix: the CPU's version of the device's implicit GEMM (kernels/Gemm/ConvSources.cs).
/// </summary>
internal enum LoweredMatrix : byte
{
    /// <summary>im2col(image): [OutRows × Taps] (Conv2d forward, ConvTranspose2d's backward data, and as B, dw).</summary>
    Im2Col,

    /// <summary>The transposed im2col of the small image: [InRows × TransposedTaps] (stride 1 backward data).</summary>
    TransposedIm2Col,

    /// <summary>One stride phase's part of the transposed im2col: [phase positions × phase reduction].</summary>
    PhaseIm2Col,
}

/// <summary>A lowered convolution matrix of the image at Source: what it is and the convolution (and phase) it lowers.</summary>
internal readonly unsafe struct LoweredRows(LoweredMatrix matrix, float* source, ConvShape shape, StridePhase phase = default)
{
    public readonly LoweredMatrix Matrix = matrix;
    public readonly float* Source = source;
    public readonly ConvShape Shape = shape;
    public readonly StridePhase Phase = phase;

    /// <summary>Rows [start, end) written row-major from <paramref name="destination"/> (row start first).</summary>
    public void Write(float* destination, int start, int end)
    {
        switch (Matrix)
        {
            case LoweredMatrix.Im2Col: ConvLowering.Im2Col(Source, Shape, destination, start, end, start); break;
            case LoweredMatrix.TransposedIm2Col: ConvLowering.TransposedIm2Col(Source, Shape, destination, start, end, start); break;
            default: ConvLowering.PhaseIm2Col(Source, Shape, Phase, destination, start, end, start); break;
        }
    }

    /// <summary>
    /// True when every GEMM panel of <paramref name="nr"/> columns of this matrix is, row by row, one contiguous run of
    /// the image or all padding: im2col of an image whose channel count is a multiple of NR (one tap's channels).
    /// </summary>
    public bool RowsInPlace(int nr) => Matrix == LoweredMatrix.Im2Col && Shape.InChannels % nr == 0;

    /// <summary>
    /// For rows [rowFrom, rowTo), where columns [column0, column0 + NR) of the row start in the image, or
    /// <paramref name="zeroRow"/> where they lie in the padding (see <see cref="RowsInPlace"/>).
    /// </summary>
    public void WriteRowPointers(int rowFrom, int rowTo, int column0, float** destination, float* zeroRow) =>
        ConvLowering.Im2ColRowPointers(Source, Shape, rowFrom, rowTo, column0, destination, zeroRow);

    /// <summary>
    /// Columns [column0, column0 + count) of rows [rowFrom, rowTo) (a GEMM panel's slice), row r at
    /// destination + (r − rowFrom)·stride: im2col only, the one lowered matrix a GEMM reads as its B operand
    /// (dw = dYᵀ · im2col).
    /// </summary>
    public void WriteColumns(int rowFrom, int rowTo, int column0, int count, float* destination, int stride)
    {
        if (Matrix != LoweredMatrix.Im2Col)
            throw new InvalidOperationException($"only im2col is packed as a GEMM's B operand, not {Matrix}");
        ConvLowering.Im2ColColumns(Source, Shape, rowFrom, rowTo, column0, count, destination, stride);
    }
}
