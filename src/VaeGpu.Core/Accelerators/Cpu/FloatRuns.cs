using System.Runtime.Intrinsics;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// Copies and clears of short float runs (a kernel row's channels, 1 to a few hundred floats) for the convolution
/// lowering. Span.CopyTo and Span.Clear go through Memmove and its size dispatch, a call that costs more than
/// moving 16 to 64 floats, and GEMM v2 lowers its operands a panel slice at a time: tens of thousands of such
/// runs per layer. Plain vector loads and stores, widest first, then floats one at a time.
/// </summary>
internal static unsafe class FloatRuns
{
    public static void Copy(float* from, float* to, int count)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= count; i += 16) Vector512.Load(from + i).Store(to + i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= count; i += 8) Vector256.Load(from + i).Store(to + i);
        for (; i < count; i++) to[i] = from[i];
    }

    public static void Clear(float* to, int count)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= count; i += 16) Vector512<float>.Zero.Store(to + i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= count; i += 8) Vector256<float>.Zero.Store(to + i);
        for (; i < count; i++) to[i] = 0f;
    }
}
