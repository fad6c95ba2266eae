using System.Runtime.InteropServices;
using VaeGpu.Configuration;

namespace VaeGpu.Accelerators.Cuda;

/// <summary>CUresult values and their names, as in cuda.h; the driver's own cuGetErrorName is asked first.</summary>
public static class CudaStatus
{
    public const int Success = 0;
    public const int InvalidValue = 1;
    public const int OutOfMemory = 2;
    public const int NotInitialized = 3;
    public const int StubLibrary = 34;
    public const int NoDevice = 100;
    public const int InvalidDevice = 101;
    public const int InvalidPtx = 218;
    public const int UnsupportedPtxVersion = 222;
    public const int NotFound = 500;
    public const int LaunchOutOfResources = 701;
    public const int LaunchFailed = 719;
    public const int StreamCaptureUnsupported = 900;
    public const int StreamCaptureInvalidated = 901;

    private static readonly Dictionary<int, string> Names = new()
    {
        [0] = "CUDA_SUCCESS",
        [1] = "CUDA_ERROR_INVALID_VALUE",
        [2] = "CUDA_ERROR_OUT_OF_MEMORY",
        [3] = "CUDA_ERROR_NOT_INITIALIZED",
        [4] = "CUDA_ERROR_DEINITIALIZED",
        [5] = "CUDA_ERROR_PROFILER_DISABLED",
        [34] = "CUDA_ERROR_STUB_LIBRARY",
        [46] = "CUDA_ERROR_DEVICE_UNAVAILABLE",
        [100] = "CUDA_ERROR_NO_DEVICE",
        [101] = "CUDA_ERROR_INVALID_DEVICE",
        [102] = "CUDA_ERROR_DEVICE_NOT_LICENSED",
        [200] = "CUDA_ERROR_INVALID_IMAGE",
        [201] = "CUDA_ERROR_INVALID_CONTEXT",
        [202] = "CUDA_ERROR_CONTEXT_ALREADY_CURRENT",
        [205] = "CUDA_ERROR_MAP_FAILED",
        [206] = "CUDA_ERROR_UNMAP_FAILED",
        [209] = "CUDA_ERROR_NO_BINARY_FOR_GPU",
        [214] = "CUDA_ERROR_ECC_UNCORRECTABLE",
        [215] = "CUDA_ERROR_UNSUPPORTED_LIMIT",
        [216] = "CUDA_ERROR_CONTEXT_ALREADY_IN_USE",
        [218] = "CUDA_ERROR_INVALID_PTX",
        [220] = "CUDA_ERROR_NVLINK_UNCORRECTABLE",
        [221] = "CUDA_ERROR_JIT_COMPILER_NOT_FOUND",
        [222] = "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
        [223] = "CUDA_ERROR_JIT_COMPILATION_DISABLED",
        [300] = "CUDA_ERROR_INVALID_SOURCE",
        [301] = "CUDA_ERROR_FILE_NOT_FOUND",
        [302] = "CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND",
        [303] = "CUDA_ERROR_SHARED_OBJECT_INIT_FAILED",
        [304] = "CUDA_ERROR_OPERATING_SYSTEM",
        [400] = "CUDA_ERROR_INVALID_HANDLE",
        [401] = "CUDA_ERROR_ILLEGAL_STATE",
        [500] = "CUDA_ERROR_NOT_FOUND",
        [600] = "CUDA_ERROR_NOT_READY",
        [700] = "CUDA_ERROR_ILLEGAL_ADDRESS",
        [701] = "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
        [702] = "CUDA_ERROR_LAUNCH_TIMEOUT",
        [709] = "CUDA_ERROR_CONTEXT_IS_DESTROYED",
        [710] = "CUDA_ERROR_ASSERT",
        [714] = "CUDA_ERROR_HARDWARE_STACK_ERROR",
        [715] = "CUDA_ERROR_ILLEGAL_INSTRUCTION",
        [716] = "CUDA_ERROR_MISALIGNED_ADDRESS",
        [717] = "CUDA_ERROR_INVALID_ADDRESS_SPACE",
        [718] = "CUDA_ERROR_INVALID_PC",
        [719] = "CUDA_ERROR_LAUNCH_FAILED",
        [720] = "CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE",
        [800] = "CUDA_ERROR_NOT_PERMITTED",
        [801] = "CUDA_ERROR_NOT_SUPPORTED",
        [802] = "CUDA_ERROR_SYSTEM_NOT_READY",
        [803] = "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
        [804] = "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
        [900] = "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
        [901] = "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED",
        [902] = "CUDA_ERROR_STREAM_CAPTURE_MERGE",
        [903] = "CUDA_ERROR_STREAM_CAPTURE_UNMATCHED",
        [904] = "CUDA_ERROR_STREAM_CAPTURE_UNJOINED",
        [905] = "CUDA_ERROR_STREAM_CAPTURE_ISOLATION",
        [906] = "CUDA_ERROR_STREAM_CAPTURE_IMPLICIT",
        [907] = "CUDA_ERROR_CAPTURED_EVENT",
        [908] = "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD",
        [909] = "CUDA_ERROR_TIMEOUT",
        [910] = "CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE",
        [999] = "CUDA_ERROR_UNKNOWN",
    };

    /// <summary>The table's name for <paramref name="status"/>, or "CUresult N" for one it does not know.</summary>
    public static string TableName(int status) => Names.TryGetValue(status, out string? name) ? name : $"CUresult {status}";

    /// <summary>The driver's name (cuGetErrorName) when libcuda.so.1 loads and knows the value, else <see cref="TableName"/>.</summary>
    public static unsafe string Name(int status)
    {
        try
        {
            byte* text = null;
            if (CudaNative.cuGetErrorName(status, &text) == Success && text != null)
                return Marshal.PtrToStringUTF8((nint)text) ?? TableName(status);
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }
        return TableName(status);
    }

    /// <summary>"CUDA_ERROR_LAUNCH_FAILED (719)".</summary>
    public static string Describe(int status) => $"{Name(status)} ({status})";
}

/// <summary>A driver call that failed: "cuLaunchKernel failed: CUDA_ERROR_LAUNCH_FAILED (719): kernel linear_forward".</summary>
public class CudaException(string call, int status, string? detail = null)
    : Exception($"{call} failed: {CudaStatus.Describe(status)}{(string.IsNullOrEmpty(detail) ? "" : $": {detail}")}")
{
    public string Call { get; } = call;
    public int Status { get; } = status;
    public string StatusName => CudaStatus.Name(Status);
    public string? Detail { get; } = detail;
}

/// <summary>The device ran out of memory for this run: a user-sized problem, so one line that says what to change.</summary>
public sealed class CudaOutOfMemoryException(string message, string call, int status) : UserInputException(message)
{
    public string Call { get; } = call;
    public int Status { get; } = status;

    internal static CudaOutOfMemoryException Allocating(long bytes, string device, string call, int status) =>
        new($"CUDA device out of memory allocating {MiB(bytes)} MiB on {device} ({call}: {CudaStatus.Describe(status)}): " +
            "use a smaller --batch-size or model", call, status);

    internal static CudaOutOfMemoryException InUse(string device, string call, int status) =>
        new($"CUDA device out of memory on {device} ({call}: {CudaStatus.Describe(status)}): use a smaller --batch-size or model",
            call, status);

    private static string MiB(long bytes) => (bytes / (1024.0 * 1024.0)).ToString(bytes < 10 * 1024 * 1024 ? "0.##" : "0",
        System.Globalization.CultureInfo.InvariantCulture);
}
