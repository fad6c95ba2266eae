using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// A strided view of a matrix: element (i, j) lives at Pointer[i·RowStride + j·ColumnStride].
/// Lets one GEMM serve X·Wᵀ, dY·W and dYᵀ·X without transposing anything in memory. Or, with
/// <see cref="Lowered"/> set, a lowered convolution matrix (im2col and its transposed and per-phase kinds), which
/// GEMM version 2 packs straight from the image without writing it out: the implicit GEMM of the device.
/// </summary>
internal readonly unsafe struct GemmOperand
{
    public readonly float* Pointer;
    public readonly nint RowStride;
    public readonly nint ColumnStride;

    /// <summary>The lowered convolution matrix this operand is, or null for a strided one.</summary>
    public readonly LoweredRows? Lowered;

    public GemmOperand(float* pointer, nint rowStride, nint columnStride)
    {
        Pointer = pointer;
        RowStride = rowStride;
        ColumnStride = columnStride;
    }

    private GemmOperand(LoweredRows lowered)
    {
        Pointer = lowered.Source;
        Lowered = lowered;
    }

    public float this[int row, int column] => Pointer[row * RowStride + column * ColumnStride];

    public static GemmOperand RowMajor(float* pointer, int columns) => new(pointer, columns, 1);

    public static GemmOperand Transposed(float* pointer, int columnsOfStored) => new(pointer, 1, columnsOfStored);

    /// <summary>A lowered convolution matrix, packed from its image by GEMM version 2 (version 1 needs it written out).</summary>
    public static GemmOperand Of(LoweredRows lowered) => new(lowered);

    /// <summary>im2col(image) of <paramref name="shape"/> (see <see cref="Of"/>).</summary>
    public static GemmOperand Im2Col(float* image, ConvShape shape) => new(new LoweredRows(LoweredMatrix.Im2Col, image, shape));
}
