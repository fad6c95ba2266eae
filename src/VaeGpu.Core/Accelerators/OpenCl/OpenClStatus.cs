using VaeGpu.Configuration;

namespace VaeGpu.Accelerators.OpenCl;

/// <summary>OpenCL status codes (cl_int) and their names, as in CL/cl.h.</summary>
public static class OpenClStatus
{
    public const int Success = 0;
    public const int DeviceNotFound = -1;
    public const int MemObjectAllocationFailure = -4;
    public const int OutOfResources = -5;
    public const int OutOfHostMemory = -6;
    public const int BuildProgramFailure = -11;
    public const int InvalidBuildOptions = -43;
    public const int InvalidKernelName = -46;
    public const int PlatformNotFoundKhr = -1001;

    private static readonly Dictionary<int, string> Names = new()
    {
        [0] = "CL_SUCCESS",
        [-1] = "CL_DEVICE_NOT_FOUND",
        [-2] = "CL_DEVICE_NOT_AVAILABLE",
        [-3] = "CL_COMPILER_NOT_AVAILABLE",
        [-4] = "CL_MEM_OBJECT_ALLOCATION_FAILURE",
        [-5] = "CL_OUT_OF_RESOURCES",
        [-6] = "CL_OUT_OF_HOST_MEMORY",
        [-7] = "CL_PROFILING_INFO_NOT_AVAILABLE",
        [-8] = "CL_MEM_COPY_OVERLAP",
        [-9] = "CL_IMAGE_FORMAT_MISMATCH",
        [-10] = "CL_IMAGE_FORMAT_NOT_SUPPORTED",
        [-11] = "CL_BUILD_PROGRAM_FAILURE",
        [-12] = "CL_MAP_FAILURE",
        [-13] = "CL_MISALIGNED_SUB_BUFFER_OFFSET",
        [-14] = "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST",
        [-15] = "CL_COMPILE_PROGRAM_FAILURE",
        [-16] = "CL_LINKER_NOT_AVAILABLE",
        [-17] = "CL_LINK_PROGRAM_FAILURE",
        [-18] = "CL_DEVICE_PARTITION_FAILED",
        [-19] = "CL_KERNEL_ARG_INFO_NOT_AVAILABLE",
        [-30] = "CL_INVALID_VALUE",
        [-31] = "CL_INVALID_DEVICE_TYPE",
        [-32] = "CL_INVALID_PLATFORM",
        [-33] = "CL_INVALID_DEVICE",
        [-34] = "CL_INVALID_CONTEXT",
        [-35] = "CL_INVALID_QUEUE_PROPERTIES",
        [-36] = "CL_INVALID_COMMAND_QUEUE",
        [-37] = "CL_INVALID_HOST_PTR",
        [-38] = "CL_INVALID_MEM_OBJECT",
        [-39] = "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR",
        [-40] = "CL_INVALID_IMAGE_SIZE",
        [-41] = "CL_INVALID_SAMPLER",
        [-42] = "CL_INVALID_BINARY",
        [-43] = "CL_INVALID_BUILD_OPTIONS",
        [-44] = "CL_INVALID_PROGRAM",
        [-45] = "CL_INVALID_PROGRAM_EXECUTABLE",
        [-46] = "CL_INVALID_KERNEL_NAME",
        [-47] = "CL_INVALID_KERNEL_DEFINITION",
        [-48] = "CL_INVALID_KERNEL",
        [-49] = "CL_INVALID_ARG_INDEX",
        [-50] = "CL_INVALID_ARG_VALUE",
        [-51] = "CL_INVALID_ARG_SIZE",
        [-52] = "CL_INVALID_KERNEL_ARGS",
        [-53] = "CL_INVALID_WORK_DIMENSION",
        [-54] = "CL_INVALID_WORK_GROUP_SIZE",
        [-55] = "CL_INVALID_WORK_ITEM_SIZE",
        [-56] = "CL_INVALID_GLOBAL_OFFSET",
        [-57] = "CL_INVALID_EVENT_WAIT_LIST",
        [-58] = "CL_INVALID_EVENT",
        [-59] = "CL_INVALID_OPERATION",
        [-60] = "CL_INVALID_GL_OBJECT",
        [-61] = "CL_INVALID_BUFFER_SIZE",
        [-62] = "CL_INVALID_MIP_LEVEL",
        [-63] = "CL_INVALID_GLOBAL_WORK_SIZE",
        [-64] = "CL_INVALID_PROPERTY",
        [-65] = "CL_INVALID_IMAGE_DESCRIPTOR",
        [-66] = "CL_INVALID_COMPILER_OPTIONS",
        [-67] = "CL_INVALID_LINKER_OPTIONS",
        [-68] = "CL_INVALID_DEVICE_PARTITION_COUNT",
        // 2.x/3.0 codes: a newer driver can return them even to a 1.2 host.
        [-69] = "CL_INVALID_PIPE_SIZE",
        [-70] = "CL_INVALID_DEVICE_QUEUE",
        [-71] = "CL_INVALID_SPEC_ID",
        [-72] = "CL_MAX_SIZE_RESTRICTION_EXCEEDED",
        // Extensions: the ICD loader's answer when no driver is installed.
        [-1000] = "CL_INVALID_GL_SHAREGROUP_REFERENCE_KHR",
        [-1001] = "CL_PLATFORM_NOT_FOUND_KHR",
    };

    /// <summary>"CL_OUT_OF_RESOURCES", or "CL_UNKNOWN_ERROR" for a code that is not in CL/cl.h.</summary>
    public static string Name(int status) => Names.TryGetValue(status, out string? name) ? name : "CL_UNKNOWN_ERROR";

    /// <summary>"CL_OUT_OF_RESOURCES (-5)".</summary>
    public static string Describe(int status) => $"{Name(status)} ({status})";

    /// <summary>Statuses that mean the device (or the host, on its behalf) ran out of memory.</summary>
    public static bool IsOutOfMemory(int status) =>
        status is MemObjectAllocationFailure or OutOfResources or OutOfHostMemory;

    /// <summary>Throws an <see cref="OpenClException"/> naming <paramref name="call"/> unless the status is CL_SUCCESS.</summary>
    public static void Check(int status, string call)
    {
        if (status != Success)
            throw new OpenClException(call, status);
    }
}

/// <summary>An OpenCL call that returned an error: "clBuildProgram failed: CL_BUILD_PROGRAM_FAILURE (-11): detail".</summary>
public class OpenClException(string call, int status, string? detail = null)
    : Exception($"{call} failed: {OpenClStatus.Describe(status)}{(string.IsNullOrEmpty(detail) ? "" : $": {detail}")}")
{
    public string Call { get; } = call;
    public int Status { get; } = status;
    public string StatusName => OpenClStatus.Name(Status);
    public string? Detail { get; } = detail;
}

/// <summary>
/// The device ran out of memory (or resources) for this run: a user-sized problem, so one line that
/// says what to change. Many drivers allocate lazily and only fail at the first write or launch, so
/// those calls map the same statuses here too.
/// </summary>
public sealed class OpenClOutOfMemoryException(string message, string call, int status) : UserInputException(message)
{
    public string Call { get; } = call;
    public int Status { get; } = status;

    internal static OpenClOutOfMemoryException Allocating(long bytes, string device, string call, int status) =>
        new($"OpenCL device out of memory allocating {MiB(bytes)} MiB on {device} ({call}: {OpenClStatus.Describe(status)}): " +
            "use a smaller --batch-size or model", call, status);

    internal static OpenClOutOfMemoryException InUse(string device, string call, int status) =>
        new($"OpenCL device out of memory on {device} ({call}: {OpenClStatus.Describe(status)}): use a smaller --batch-size or model",
            call, status);

    private static string MiB(long bytes) => (bytes / (1024.0 * 1024.0)).ToString(bytes < 10 * 1024 * 1024 ? "0.##" : "0",
        System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// clBuildProgram failed. The message is one line for the CLI: "OpenCL kernel build failed on
/// &lt;device&gt;: &lt;first error line of the log&gt;"; <see cref="Log"/> keeps the whole build log, and
/// <see cref="Cause"/> carries it too, as an <see cref="OpenClException"/> whose detail is the log.
/// </summary>
public sealed class OpenClBuildException : UserInputException
{
    internal OpenClBuildException(string device, int status, string options, string log)
        : base($"OpenCL kernel build failed on {device}: {FirstError(log, status, options)}")
    {
        Status = status;
        Options = options;
        Log = log;
        Cause = new OpenClException("clBuildProgram", status, log);
    }

    public int Status { get; }
    public string Options { get; }
    public string Log { get; }

    /// <summary>The underlying failure with the full log as its detail.</summary>
    public OpenClException Cause { get; }

    /// <summary>The first log line that says "error" (compilers print "file:line:col: error: ..."), else the first line.</summary>
    internal static string FirstError(string log, int status, string options)
    {
        string[] lines = log.Replace("\r", "", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? line = lines.FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)) ?? lines.FirstOrDefault();
        return line ?? $"{OpenClStatus.Describe(status)} with an empty build log (options '{options}')";
    }
}
