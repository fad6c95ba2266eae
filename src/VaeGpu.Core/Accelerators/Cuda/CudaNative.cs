using System.Runtime.InteropServices;

namespace VaeGpu.Accelerators.Cuda;

/// <summary>
/// The CUDA driver API calls this accelerator uses, bound to libcuda.so.1 (the driver's library;
/// no CUDA toolkit or runtime library is needed). Signatures follow cuda.h: every call returns a
/// CUresult (int, 0 = CUDA_SUCCESS); CUdevice is an int ordinal; CUdeviceptr is a 64-bit device
/// address; contexts, streams, events, modules, functions, graphs and graph execs are opaque
/// pointers. The versioned exports (_v2) are the ones cuda.h maps the plain names to.
/// A missing libcuda.so.1 surfaces as <see cref="DllNotFoundException"/> on the first call.
/// </summary>
internal static unsafe partial class CudaNative
{
    public const string Library = "libcuda.so.1";

    public const int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
    public const int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    public const int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    public const int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

    /// <summary>CU_STREAM_NON_BLOCKING: no implicit synchronization with the legacy default stream (required for capture).</summary>
    public const uint CU_STREAM_NON_BLOCKING = 0x1;

    /// <summary>CU_EVENT_DEFAULT (timing enabled).</summary>
    public const uint CU_EVENT_DEFAULT = 0x0;

    /// <summary>CUstreamCaptureMode: potentially unsafe calls (allocation, synchronous copies) from this thread fail while capturing.</summary>
    public const int CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1;

    [LibraryImport(Library)] public static partial int cuInit(uint flags);
    [LibraryImport(Library)] public static partial int cuDriverGetVersion(int* driverVersion);
    [LibraryImport(Library)] public static partial int cuDeviceGetCount(int* count);
    [LibraryImport(Library)] public static partial int cuDeviceGet(int* device, int ordinal);
    [LibraryImport(Library)] public static partial int cuDeviceGetName(byte* name, int length, int device);
    [LibraryImport(Library)] public static partial int cuDeviceGetAttribute(int* value, int attribute, int device);
    [LibraryImport(Library)] public static partial int cuDeviceTotalMem_v2(nuint* bytes, int device);

    [LibraryImport(Library)] public static partial int cuDevicePrimaryCtxRetain(nint* context, int device);
    [LibraryImport(Library)] public static partial int cuDevicePrimaryCtxRelease_v2(int device);
    [LibraryImport(Library)] public static partial int cuCtxSetCurrent(nint context);
    [LibraryImport(Library)] public static partial int cuCtxSynchronize();

    [LibraryImport(Library)] public static partial int cuStreamCreate(nint* stream, uint flags);
    [LibraryImport(Library)] public static partial int cuStreamDestroy_v2(nint stream);
    [LibraryImport(Library)] public static partial int cuStreamSynchronize(nint stream);

    [LibraryImport(Library)] public static partial int cuEventCreate(nint* evt, uint flags);
    [LibraryImport(Library)] public static partial int cuEventRecord(nint evt, nint stream);
    [LibraryImport(Library)] public static partial int cuEventSynchronize(nint evt);
    [LibraryImport(Library)] public static partial int cuEventElapsedTime(float* milliseconds, nint start, nint end);
    [LibraryImport(Library)] public static partial int cuEventDestroy_v2(nint evt);

    [LibraryImport(Library)] public static partial int cuMemAlloc_v2(ulong* pointer, nuint bytes);
    [LibraryImport(Library)] public static partial int cuMemFree_v2(ulong pointer);
    [LibraryImport(Library)] public static partial int cuMemcpyHtoDAsync_v2(ulong destination, void* source, nuint bytes, nint stream);
    [LibraryImport(Library)] public static partial int cuMemcpyDtoHAsync_v2(void* destination, ulong source, nuint bytes, nint stream);
    [LibraryImport(Library)] public static partial int cuMemsetD8Async(ulong destination, byte value, nuint count, nint stream);

    [LibraryImport(Library)] public static partial int cuModuleLoadData(nint* module, void* image);
    [LibraryImport(Library)] public static partial int cuModuleUnload(nint module);
    [LibraryImport(Library)] public static partial int cuModuleGetFunction(nint* function, nint module, byte* name);

    [LibraryImport(Library)]
    public static partial int cuLaunchKernel(nint function, uint gridX, uint gridY, uint gridZ,
        uint blockX, uint blockY, uint blockZ, uint sharedMemoryBytes, nint stream, void** kernelParams, void** extra);

    [LibraryImport(Library)] public static partial int cuStreamBeginCapture_v2(nint stream, int mode);
    [LibraryImport(Library)] public static partial int cuStreamEndCapture(nint stream, nint* graph);
    [LibraryImport(Library)] public static partial int cuGraphInstantiateWithFlags(nint* graphExec, nint graph, ulong flags);
    [LibraryImport(Library)] public static partial int cuGraphLaunch(nint graphExec, nint stream);
    [LibraryImport(Library)] public static partial int cuGraphExecDestroy(nint graphExec);
    [LibraryImport(Library)] public static partial int cuGraphDestroy(nint graph);

    [LibraryImport(Library)] public static partial int cuGetErrorName(int error, byte** name);

    /// <summary>Throws <see cref="CudaException"/> naming the call for a failing status (the accelerator maps out-of-memory itself).</summary>
    public static void Check(int status, string call, string? detail = null)
    {
        if (status == CudaStatus.Success)
            return;
        throw new CudaException(call, status, detail);
    }
}
