using System.Runtime.CompilerServices;
using ILGPU;

namespace VaeGpu.Kernels;

/// <summary>
/// The batch at a device-side cursor, read straight from the resident byte images: row i is
/// images[order[cursor·batchSize + i], :] / 255, NaN where the order or the image index is out of range.
/// GatherBatch writes it out; the fused first layer (<see cref="GatherLinearKernels"/>) streams it into
/// the GEMM's A tiles, so both convert every pixel with this one expression.
/// </summary>
public readonly struct GatheredRows : IMatrixSource
{
    private readonly ArrayView<byte> _images;
    private readonly ArrayView<int> _order;
    private readonly long _first;
    private readonly int _imageCount, _rowLength;

    public GatheredRows(ArrayView<byte> images, ArrayView<int> order, ArrayView<uint> cursor, int batchSize, int imageCount, int rowLength)
    {
        _images = images;
        _order = order;
        _first = (long)cursor[0] * batchSize;
        _imageCount = imageCount;
        _rowLength = rowLength;
    }

    public bool RowMajor => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int row, int column)
    {
        long at = _first + row;
        int index = at < _order.Length ? _order[(int)at] : -1;
        return index >= 0 && index < _imageCount ? _images[index * _rowLength + column] / 255f : float.NaN;
    }
}
