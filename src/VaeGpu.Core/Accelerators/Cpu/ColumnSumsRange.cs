using System.Numerics.Tensors;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// db[o] = Σ_r dy[r, o] for a range of columns o, rows in order from 0 (vectorized across the
/// columns): the bias gradient of LinearBackward. Each column's sum has the same order whatever the
/// range, so chunking by columns does not change a bit.
/// </summary>
internal readonly unsafe struct ColumnSumsRange(float* dy, float* db, int rows, int columns) : IRangeJob
{
    public void Run(int start, int end)
    {
        var sums = new Span<float>(db + start, end - start);
        sums.Clear();
        for (int r = 0; r < rows; r++)
            TensorPrimitives.Add(sums, new ReadOnlySpan<float>(dy + (nint)r * columns + start, end - start), sums);
    }
}
