using System.Runtime.InteropServices;

namespace VaeGpu.Accelerators.OpenCl;

/// <summary>
/// The OpenCL 1.2 host API through the ICD loader (libOpenCL.so.1). Handles are nint, size_t is
/// nuint, cl_uint/cl_bool are uint, bitfields (cl_device_type, cl_mem_flags, ...) are ulong.
/// Only calls that exist since OpenCL 1.2 (clCreateCommandQueue, not ...WithProperties), so any
/// 1.2+ driver works. Entry points bind lazily: a missing library surfaces as
/// <see cref="DllNotFoundException"/> on the first call.
/// </summary>
internal static unsafe partial class OpenClNative
{
    public const string Library = "libOpenCL.so.1";

    public const int CL_SUCCESS = 0;
    public const uint CL_FALSE = 0;
    public const uint CL_TRUE = 1;

    // cl_platform_info
    public const uint CL_PLATFORM_PROFILE = 0x0900;
    public const uint CL_PLATFORM_VERSION = 0x0901;
    public const uint CL_PLATFORM_NAME = 0x0902;
    public const uint CL_PLATFORM_VENDOR = 0x0903;
    public const uint CL_PLATFORM_EXTENSIONS = 0x0904;

    // cl_device_type (bitfield)
    public const ulong CL_DEVICE_TYPE_DEFAULT = 1 << 0;
    public const ulong CL_DEVICE_TYPE_CPU = 1 << 1;
    public const ulong CL_DEVICE_TYPE_GPU = 1 << 2;
    public const ulong CL_DEVICE_TYPE_ACCELERATOR = 1 << 3;
    public const ulong CL_DEVICE_TYPE_ALL = 0xFFFFFFFF;

    // cl_device_info
    public const uint CL_DEVICE_TYPE = 0x1000;
    public const uint CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002;
    public const uint CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    public const uint CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    public const uint CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    public const uint CL_DEVICE_LOCAL_MEM_SIZE = 0x1023;
    public const uint CL_DEVICE_AVAILABLE = 0x1027;
    public const uint CL_DEVICE_COMPILER_AVAILABLE = 0x1028;
    public const uint CL_DEVICE_NAME = 0x102B;
    public const uint CL_DEVICE_VENDOR = 0x102C;
    public const uint CL_DRIVER_VERSION = 0x102D;
    public const uint CL_DEVICE_VERSION = 0x102F;
    public const uint CL_DEVICE_OPENCL_C_VERSION = 0x103D;

    // cl_mem_flags (bitfield)
    public const ulong CL_MEM_READ_WRITE = 1 << 0;
    public const ulong CL_MEM_WRITE_ONLY = 1 << 1;
    public const ulong CL_MEM_READ_ONLY = 1 << 2;

    // cl_program_build_info
    public const uint CL_PROGRAM_BUILD_STATUS = 0x1181;
    public const uint CL_PROGRAM_BUILD_OPTIONS = 0x1182;
    public const uint CL_PROGRAM_BUILD_LOG = 0x1183;

    [LibraryImport(Library)]
    public static partial int clGetPlatformIDs(uint numEntries, nint* platforms, uint* numPlatforms);

    [LibraryImport(Library)]
    public static partial int clGetPlatformInfo(nint platform, uint paramName, nuint paramValueSize, void* paramValue, nuint* paramValueSizeRet);

    [LibraryImport(Library)]
    public static partial int clGetDeviceIDs(nint platform, ulong deviceType, uint numEntries, nint* devices, uint* numDevices);

    [LibraryImport(Library)]
    public static partial int clGetDeviceInfo(nint device, uint paramName, nuint paramValueSize, void* paramValue, nuint* paramValueSizeRet);

    /// <param name="properties">cl_context_properties* (intptr_t pairs, zero-terminated), or null.</param>
    /// <param name="notify">void (CL_CALLBACK*)(const char*, const void*, size_t, void*), or null.</param>
    [LibraryImport(Library)]
    public static partial nint clCreateContext(nint* properties, uint numDevices, nint* devices, nint notify, void* userData, int* errcodeRet);

    [LibraryImport(Library)]
    public static partial nint clCreateCommandQueue(nint context, nint device, ulong properties, int* errcodeRet);

    [LibraryImport(Library)]
    public static partial nint clCreateBuffer(nint context, ulong flags, nuint size, void* hostPtr, int* errcodeRet);

    [LibraryImport(Library)]
    public static partial int clEnqueueWriteBuffer(nint queue, nint buffer, uint blockingWrite, nuint offset, nuint size, void* ptr,
        uint numEventsInWaitList, nint* eventWaitList, nint* evt);

    [LibraryImport(Library)]
    public static partial int clEnqueueReadBuffer(nint queue, nint buffer, uint blockingRead, nuint offset, nuint size, void* ptr,
        uint numEventsInWaitList, nint* eventWaitList, nint* evt);

    [LibraryImport(Library)]
    public static partial int clEnqueueCopyBuffer(nint queue, nint sourceBuffer, nint destinationBuffer, nuint sourceOffset,
        nuint destinationOffset, nuint size, uint numEventsInWaitList, nint* eventWaitList, nint* evt);

    [LibraryImport(Library)]
    public static partial int clEnqueueFillBuffer(nint queue, nint buffer, void* pattern, nuint patternSize, nuint offset, nuint size,
        uint numEventsInWaitList, nint* eventWaitList, nint* evt);

    /// <param name="strings">const char** (not necessarily zero-terminated when lengths are given).</param>
    [LibraryImport(Library)]
    public static partial nint clCreateProgramWithSource(nint context, uint count, byte** strings, nuint* lengths, int* errcodeRet);

    /// <param name="options">zero-terminated ASCII, or null.</param>
    /// <param name="notify">void (CL_CALLBACK*)(cl_program, void*), or null for a blocking build.</param>
    [LibraryImport(Library)]
    public static partial int clBuildProgram(nint program, uint numDevices, nint* deviceList, byte* options, nint notify, void* userData);

    [LibraryImport(Library)]
    public static partial int clGetProgramBuildInfo(nint program, nint device, uint paramName, nuint paramValueSize, void* paramValue,
        nuint* paramValueSizeRet);

    /// <param name="kernelName">zero-terminated ASCII.</param>
    [LibraryImport(Library)]
    public static partial nint clCreateKernel(nint program, byte* kernelName, int* errcodeRet);

    [LibraryImport(Library)]
    public static partial int clSetKernelArg(nint kernel, uint argIndex, nuint argSize, void* argValue);

    [LibraryImport(Library)]
    public static partial int clEnqueueNDRangeKernel(nint queue, nint kernel, uint workDim, nuint* globalWorkOffset, nuint* globalWorkSize,
        nuint* localWorkSize, uint numEventsInWaitList, nint* eventWaitList, nint* evt);

    [LibraryImport(Library)]
    public static partial int clFinish(nint queue);

    [LibraryImport(Library)]
    public static partial int clFlush(nint queue);

    [LibraryImport(Library)]
    public static partial int clReleaseMemObject(nint memObject);

    [LibraryImport(Library)]
    public static partial int clReleaseKernel(nint kernel);

    [LibraryImport(Library)]
    public static partial int clReleaseProgram(nint program);

    [LibraryImport(Library)]
    public static partial int clReleaseCommandQueue(nint queue);

    [LibraryImport(Library)]
    public static partial int clReleaseContext(nint context);
}
