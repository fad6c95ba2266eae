using System.Runtime.Intrinsics;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// The CPU's GatherRows over a range of rows: destination row i = images[indices[i]] / 255. A row
/// whose index is outside the image set is NaN, as the device kernel does (it cannot throw, and
/// checking on the host would cost a download of the indices every step): the training loss check
/// then reports it with its step.
/// </summary>
internal readonly unsafe struct ByteRowGather(byte* images, int imageCount, int* indices, float* destination, int rowLength) : IRangeJob
{
    public void Run(int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            int index = indices[i];
            var target = new Span<float>(destination + (nint)i * rowLength, rowLength);
            if ((uint)index >= (uint)imageCount)
            {
                target.Fill(float.NaN);
                continue;
            }
            ScaleBytes(new ReadOnlySpan<byte>(images + (nint)index * rowLength, rowLength), target);
        }
    }

    /// <summary>target[j] = source[j] / 255, 16 at a time (IEEE division: the same floats as the scalar loop).</summary>
    private static void ScaleBytes(ReadOnlySpan<byte> source, Span<float> target)
    {
        int j = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var divisor = Vector128.Create(255f);
            ref byte from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
            for (; j + 16 <= source.Length; j += 16)
            {
                Vector128<byte> bytes = Vector128.LoadUnsafe(ref from, (nuint)j);
                (Vector128<ushort> low, Vector128<ushort> high) = Vector128.Widen(bytes);
                (Vector128<uint> a, Vector128<uint> b) = Vector128.Widen(low);
                (Vector128<uint> c, Vector128<uint> d) = Vector128.Widen(high);
                (Vector128.ConvertToSingle(a) / divisor).CopyTo(target.Slice(j));
                (Vector128.ConvertToSingle(b) / divisor).CopyTo(target.Slice(j + 4));
                (Vector128.ConvertToSingle(c) / divisor).CopyTo(target.Slice(j + 8));
                (Vector128.ConvertToSingle(d) / divisor).CopyTo(target.Slice(j + 12));
            }
        }
        for (; j < source.Length; j++) target[j] = source[j] / 255f;
    }
}
