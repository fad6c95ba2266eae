using System.Runtime.InteropServices;

namespace VaeGpu.Accelerators.Ilgpu;

/// <summary>
/// A CUDA graph captured from one ILGPU stream and instantiated, replayed with cuGraphLaunch. ILGPU
/// 1.5.3 has no graph API, but its launch path is capture-safe (a bounds check, then cuLaunchKernel
/// on the stream), so the driver's stream capture records ILGPU's launches as they are issued.
/// Capture runs on a non-blocking stream (the legacy default stream cannot be captured).
/// </summary>
internal sealed class CudaGraph : ICapturedOps
{
    private IntPtr _graph, _exec;
    private readonly IntPtr _stream;

    private CudaGraph(IntPtr graph, IntPtr exec, IntPtr stream)
    {
        _graph = graph;
        _exec = exec;
        _stream = stream;
    }

    /// <summary>Captures what <paramref name="ops"/> issues on <paramref name="stream"/> (a CUstream).</summary>
    public static CudaGraph Capture(IntPtr stream, Action ops)
    {
        CudaDriver.Check(CudaDriver.cuStreamBeginCapture_v2(stream, CudaDriver.CaptureModeThreadLocal), "cuStreamBeginCapture_v2");
        IntPtr graph;
        try
        {
            ops();
        }
        catch
        {
            // End the capture so that the stream is usable again; the partial graph is dropped.
            if (CudaDriver.cuStreamEndCapture(stream, out IntPtr partial) == 0 && partial != IntPtr.Zero)
                CudaDriver.cuGraphDestroy(partial);
            throw;
        }
        CudaDriver.Check(CudaDriver.cuStreamEndCapture(stream, out graph), "cuStreamEndCapture");
        int status = CudaDriver.cuGraphInstantiateWithFlags(out IntPtr exec, graph, 0);
        if (status != 0)
        {
            CudaDriver.cuGraphDestroy(graph);
            CudaDriver.Check(status, "cuGraphInstantiateWithFlags");
        }
        return new CudaGraph(graph, exec, stream);
    }

    public void Replay()
    {
        ObjectDisposedException.ThrowIf(_exec == IntPtr.Zero, this);
        CudaDriver.Check(CudaDriver.cuGraphLaunch(_exec, _stream), "cuGraphLaunch");
    }

    public void Dispose()
    {
        if (_exec != IntPtr.Zero) CudaDriver.cuGraphExecDestroy(_exec);
        if (_graph != IntPtr.Zero) CudaDriver.cuGraphDestroy(_graph);
        _exec = _graph = IntPtr.Zero;
    }
}

/// <summary>
/// The six driver calls that graphs need (ILGPU binds everything else). Our own P/Invoke, because
/// ILGPU exposes no graph API; statuses become <see cref="CudaGraphException"/>s naming the call.
/// </summary>
internal static partial class CudaDriver
{
    private const string Library = "libcuda.so.1";

    /// <summary>CU_STREAM_CAPTURE_MODE_THREAD_LOCAL: other threads' unsafe calls do not break this capture.</summary>
    public const int CaptureModeThreadLocal = 1;

    [LibraryImport(Library)]
    internal static partial int cuStreamBeginCapture_v2(IntPtr stream, int mode);

    [LibraryImport(Library)]
    internal static partial int cuStreamEndCapture(IntPtr stream, out IntPtr graph);

    [LibraryImport(Library)]
    internal static partial int cuGraphInstantiateWithFlags(out IntPtr exec, IntPtr graph, ulong flags);

    [LibraryImport(Library)]
    internal static partial int cuGraphLaunch(IntPtr exec, IntPtr stream);

    [LibraryImport(Library)]
    internal static partial int cuGraphExecDestroy(IntPtr exec);

    [LibraryImport(Library)]
    internal static partial int cuGraphDestroy(IntPtr graph);

    public static void Check(int status, string call)
    {
        if (status != 0) throw new CudaGraphException(call, status);
    }

    /// <summary>The CUresult names that graph calls return (cuda.h); others are shown by number.</summary>
    public static string StatusName(int status) => status switch
    {
        0 => "CUDA_SUCCESS",
        1 => "CUDA_ERROR_INVALID_VALUE",
        2 => "CUDA_ERROR_OUT_OF_MEMORY",
        3 => "CUDA_ERROR_NOT_INITIALIZED",
        4 => "CUDA_ERROR_DEINITIALIZED",
        100 => "CUDA_ERROR_NO_DEVICE",
        201 => "CUDA_ERROR_INVALID_CONTEXT",
        400 => "CUDA_ERROR_INVALID_HANDLE",
        700 => "CUDA_ERROR_ILLEGAL_ADDRESS",
        719 => "CUDA_ERROR_LAUNCH_FAILED",
        800 => "CUDA_ERROR_NOT_PERMITTED",
        801 => "CUDA_ERROR_NOT_SUPPORTED",
        900 => "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
        901 => "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED",
        902 => "CUDA_ERROR_STREAM_CAPTURE_MERGE",
        903 => "CUDA_ERROR_STREAM_CAPTURE_UNMATCHED",
        904 => "CUDA_ERROR_STREAM_CAPTURE_UNJOINED",
        905 => "CUDA_ERROR_STREAM_CAPTURE_ISOLATION",
        906 => "CUDA_ERROR_STREAM_CAPTURE_IMPLICIT",
        908 => "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD",
        910 => "CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE",
        _ => "CUDA error",
    };
}

/// <summary>A failed CUDA graph call: "cuGraphLaunch failed: CUDA_ERROR_ILLEGAL_ADDRESS (700)".</summary>
public sealed class CudaGraphException(string call, int status)
    : Exception($"{call} failed: {CudaDriver.StatusName(status)} ({status})")
{
    public string Call { get; } = call;
    public int Status { get; } = status;
}
