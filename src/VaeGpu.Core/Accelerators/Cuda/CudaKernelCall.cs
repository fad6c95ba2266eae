using VaeGpu.Accelerators.OpenCl;
using static VaeGpu.Accelerators.Cuda.CudaNative;

namespace VaeGpu.Accelerators.Cuda;

/// <summary>
/// One kernel launch, its arguments given in order: <c>Call("k").Span(x).Int(rows).LaunchElements(n)</c>,
/// the same builder as OpenCL's <see cref="KernelCall"/> and the same launch geometry: blockDim = the
/// OpenCL local size, gridDim = ⌈global / local⌉ (so kernels see the same get_global_id values).
/// A span is two arguments: the buffer's base CUdeviceptr (a 64-bit pointer) and the element offset (int).
/// Each argument value sits in its own 8-byte slot; cuLaunchKernel reads each through a pointer and
/// copies them at launch (and into the graph node when the stream is capturing).
/// </summary>
internal sealed unsafe class CudaKernelCall(CudaAccelerator accelerator, string kernel, nint function, KernelTuning tuning) : IKernelCall
{
    private const int MaxArguments = 32;
    private readonly ulong[] _slots = new ulong[MaxArguments];
    private int _count;

    public string Kernel => kernel;

    public int ArgumentCount => _count;

    public IKernelCall Span<T>(DeviceSpan<T> span) where T : unmanaged
    {
        ulong pointer = 0;
        if (!span.IsNone)
        {
            if (span.Buffer is not CudaBuffer<T> buffer || !ReferenceEquals(buffer.Owner, accelerator))
                throw new ArgumentException($"{kernel}: argument {_count} is not a buffer of this CUDA device ({span.Buffer!.Owner.Name})");
            ObjectDisposedException.ThrowIf(buffer.IsDisposed, buffer);
            pointer = buffer.Pointer;
        }
        Add(pointer);
        return Int(span.Offset);
    }

    /// <summary>A whole buffer without an offset argument (scratch buffers the kernel indexes itself).</summary>
    public IKernelCall Buffer<T>(DeviceBuffer<T> buffer) where T : unmanaged
    {
        if (buffer is not CudaBuffer<T> cuda || !ReferenceEquals(cuda.Owner, accelerator))
            throw new ArgumentException($"{kernel}: argument {_count} is not a buffer of this CUDA device");
        ObjectDisposedException.ThrowIf(cuda.IsDisposed, cuda);
        Add(cuda.Pointer);
        return this;
    }

    public IKernelCall Int(int value) => Add((uint)value);

    public IKernelCall UInt(uint value) => Add(value);

    public IKernelCall Float(float value) => Add(BitConverter.SingleToUInt32Bits(value));

    /// <summary>A tiled GEMM over C[m × n]: blocks of (THREADS_N, THREADS_M), one per TILE_M × TILE_N block of C (gemm_tile.h).</summary>
    public void LaunchGemm(int m, int n)
    {
        if (m == 0 || n == 0) return;
        Launch((uint)CeilDiv(n, tuning.TileN), (uint)CeilDiv(m, tuning.TileM), (uint)tuning.ThreadsN, (uint)tuning.ThreadsM);
    }

    /// <summary>One thread per element, in blocks of ElementGroup (the last block guards its tail).</summary>
    public void LaunchElements(int count)
    {
        if (count == 0) return;
        int block = Math.Min(tuning.ElementGroup, count);
        Launch((uint)CeilDiv(count, block), 1, (uint)block, 1);
    }

    /// <summary>Exactly one block (the fixed-order reductions).</summary>
    public void LaunchOneGroup(int size) => Launch(1, 1, (uint)size, 1);

    /// <summary>The launch geometry as (grid, block), for tests: what LaunchGemm would use.</summary>
    internal static ((uint X, uint Y) Grid, (uint X, uint Y) Block) GemmGeometry(KernelTuning tuning, int m, int n) =>
        (((uint)CeilDiv(n, tuning.TileN), (uint)CeilDiv(m, tuning.TileM)), ((uint)tuning.ThreadsN, (uint)tuning.ThreadsM));

    /// <summary>The launch geometry as (grid, block) of LaunchElements.</summary>
    internal static (uint Grid, uint Block) ElementGeometry(KernelTuning tuning, int count)
    {
        int block = Math.Min(tuning.ElementGroup, Math.Max(1, count));
        return ((uint)CeilDiv(count, block), (uint)block);
    }

    private void Launch(uint gridX, uint gridY, uint blockX, uint blockY)
    {
        void** parameters = stackalloc void*[Math.Max(1, _count)];
        fixed (ulong* slots = _slots)
        {
            for (int i = 0; i < _count; i++)
                parameters[i] = slots + i; // little-endian: a 4-byte value is the slot's first 4 bytes
            accelerator.Check(cuLaunchKernel(function, gridX, gridY, 1, blockX, blockY, 1, 0, accelerator.Stream, parameters, null),
                nameof(cuLaunchKernel), $"kernel {kernel}");
        }
    }

    private CudaKernelCall Add(ulong value)
    {
        if (_count == MaxArguments)
            throw new InvalidOperationException($"{kernel}: more than {MaxArguments} arguments");
        _slots[_count++] = value;
        return this;
    }

    private static int CeilDiv(int value, int divisor) => (value + divisor - 1) / divisor;
}
