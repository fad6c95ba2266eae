namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// A strided view of a matrix: element (i, j) lives at Pointer[i·RowStride + j·ColumnStride].
/// Lets one GEMM serve X·Wᵀ, dY·W and dYᵀ·X without transposing anything in memory.
/// </summary>
internal readonly unsafe struct GemmOperand(float* pointer, nint rowStride, nint columnStride)
{
    public readonly float* Pointer = pointer;
    public readonly nint RowStride = rowStride;
    public readonly nint ColumnStride = columnStride;

    public float this[int row, int column] => Pointer[row * RowStride + column * ColumnStride];

    public static GemmOperand RowMajor(float* pointer, int columns) => new(pointer, columns, 1);

    public static GemmOperand Transposed(float* pointer, int columnsOfStored) => new(pointer, 1, columnsOfStored);
}
