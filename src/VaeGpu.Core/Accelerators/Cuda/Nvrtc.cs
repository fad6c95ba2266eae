using System.Runtime.InteropServices;
using System.Text;
using VaeGpu.Configuration;

namespace VaeGpu.Accelerators.Cuda;

/// <summary>
/// NVRTC, the run-time CUDA C++ compiler, found by <see cref="NvrtcSearch"/> and bound through
/// NativeLibrary.GetExport and unmanaged function pointers (its soname carries the CUDA version, so
/// a fixed [LibraryImport] name would not do). Compiles one source to PTX (or CUBIN).
/// Signatures from nvrtc.h: every call returns an nvrtcResult (int, 0 = NVRTC_SUCCESS).
/// </summary>
public sealed unsafe class Nvrtc
{
    public const int Success = 0;
    public const int ErrorCompilation = 6;

    private readonly delegate* unmanaged<int*, int*, int> _version;
    private readonly delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int> _createProgram;
    private readonly delegate* unmanaged<nint, int, byte**, int> _compileProgram;
    private readonly delegate* unmanaged<nint, nuint*, int> _getProgramLogSize;
    private readonly delegate* unmanaged<nint, byte*, int> _getProgramLog;
    private readonly delegate* unmanaged<nint, nuint*, int> _getPtxSize;
    private readonly delegate* unmanaged<nint, byte*, int> _getPtx;
    private readonly delegate* unmanaged<nint, nuint*, int> _getCubinSize;
    private readonly delegate* unmanaged<nint, byte*, int> _getCubin;
    private readonly delegate* unmanaged<nint*, int> _destroyProgram;
    private readonly delegate* unmanaged<int, byte*> _getErrorString;

    private Nvrtc(nint handle, NvrtcCandidate source)
    {
        Handle = handle;
        Source = source;
        _version = (delegate* unmanaged<int*, int*, int>)Export(handle, "nvrtcVersion");
        _createProgram = (delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int>)Export(handle, "nvrtcCreateProgram");
        _compileProgram = (delegate* unmanaged<nint, int, byte**, int>)Export(handle, "nvrtcCompileProgram");
        _getProgramLogSize = (delegate* unmanaged<nint, nuint*, int>)Export(handle, "nvrtcGetProgramLogSize");
        _getProgramLog = (delegate* unmanaged<nint, byte*, int>)Export(handle, "nvrtcGetProgramLog");
        _getPtxSize = (delegate* unmanaged<nint, nuint*, int>)Export(handle, "nvrtcGetPTXSize");
        _getPtx = (delegate* unmanaged<nint, byte*, int>)Export(handle, "nvrtcGetPTX");
        _destroyProgram = (delegate* unmanaged<nint*, int>)Export(handle, "nvrtcDestroyProgram");
        _getErrorString = (delegate* unmanaged<int, byte*>)Export(handle, "nvrtcGetErrorString");
        // CUBIN output exists since CUDA 11.1; optional (used only when the driver refuses NVRTC's PTX).
        if (NativeLibrary.TryGetExport(handle, "nvrtcGetCUBINSize", out nint cubinSize) &&
            NativeLibrary.TryGetExport(handle, "nvrtcGetCUBIN", out nint cubin))
        {
            _getCubinSize = (delegate* unmanaged<nint, nuint*, int>)cubinSize;
            _getCubin = (delegate* unmanaged<nint, byte*, int>)cubin;
        }
        int major, minor;
        Check(_version(&major, &minor), "nvrtcVersion");
        Version = new Version(major, minor);
    }

    public nint Handle { get; }

    /// <summary>Which file (or soname) was loaded, and why it was looked at.</summary>
    public NvrtcCandidate Source { get; }

    /// <summary>nvrtcVersion: the CUDA version of this NVRTC (12.4, ...).</summary>
    public Version Version { get; }

    /// <summary>Whether nvrtcGetCUBIN is there (NVRTC ≥ 11.1).</summary>
    public bool CanEmitCubin => _getCubin != null;

    /// <summary>"NVRTC 12.4 (libnvrtc.so.12, loader search path)".</summary>
    public override string ToString() => $"NVRTC {Version} ({Source})";

    private static readonly Lazy<NvrtcLoad> Cached = new(() => Load(NvrtcSearch.Candidates(), CudaDevices.DriverVersionOrNull()),
        LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>NVRTC on this machine (loaded once per process), or why there is none.</summary>
    public static NvrtcLoad Shared => Cached.Value;

    /// <summary>
    /// Loads the first candidate that loads and exports the NVRTC calls. With a driver version given
    /// (cuDriverGetVersion, e.g. 12040), an NVRTC newer than the driver is passed over while an
    /// older one remains, because the driver cannot JIT PTX of a newer CUDA version; if only newer
    /// ones load, the first is used (its CUBIN output still loads under CUDA's minor-version compatibility).
    /// </summary>
    public static NvrtcLoad Load(IReadOnlyList<NvrtcCandidate> candidates, int? driverVersion)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var failures = new List<string>();
        Nvrtc? fallback = null;
        foreach (NvrtcCandidate candidate in candidates)
        {
            if (!NativeLibrary.TryLoad(candidate.Path, out nint handle))
                continue; // absent: the usual case, listed by Places in the message
            Nvrtc nvrtc;
            try
            {
                nvrtc = new Nvrtc(handle, candidate);
            }
            catch (Exception error) when (error is EntryPointNotFoundException or NvrtcException)
            {
                failures.Add($"{candidate.Path}: {error.Message}");
                NativeLibrary.Free(handle);
                continue;
            }
            if (driverVersion is not { } driver || nvrtc.Version <= DriverCudaVersion(driver))
                return new NvrtcLoad(nvrtc, null);
            if (fallback is null) fallback = nvrtc;
            else NativeLibrary.Free(handle);
        }
        if (fallback is not null)
            return new NvrtcLoad(fallback, null);
        string problems = failures.Count == 0 ? "" : $"; unusable: {string.Join("; ", failures)}";
        return new NvrtcLoad(null, $"NVRTC (libnvrtc) not found: install the CUDA toolkit's NVRTC or `pip install nvidia-cuda-nvrtc-cu12`, " +
            $"or set {NvrtcSearch.OverrideVariable}=/path/to/libnvrtc.so.N (looked in: {NvrtcSearch.Places()}){problems}");
    }

    /// <summary>cuDriverGetVersion's 12040 as 12.4.</summary>
    public static Version DriverCudaVersion(int driverVersion) => new(driverVersion / 1000, driverVersion % 1000 / 10);

    /// <summary>
    /// Compiles <paramref name="source"/> (one translation unit, no headers) with <paramref name="options"/>.
    /// Returns PTX (NUL-terminated, as cuModuleLoadData wants it) or, with <paramref name="cubin"/>, a CUBIN.
    /// A compile error throws <see cref="NvrtcCompileException"/> (one line; the whole log kept).
    /// </summary>
    public byte[] Compile(string source, string name, IReadOnlyList<string> options, bool cubin, out string log)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        if (cubin && !CanEmitCubin)
            throw new InvalidOperationException($"{this} has no nvrtcGetCUBIN (NVRTC ≥ 11.1 has)");
        byte[] sourceBytes = Utf8(source);
        byte[] nameBytes = Utf8(name);
        nint program;
        fixed (byte* sourcePointer = sourceBytes)
        fixed (byte* namePointer = nameBytes)
            Check(_createProgram(&program, sourcePointer, namePointer, 0, null, null), "nvrtcCreateProgram");
        try
        {
            byte[][] optionBytes = options.Select(Utf8).ToArray();
            var handles = new GCHandle[optionBytes.Length];
            int status;
            try
            {
                byte** pointers = stackalloc byte*[Math.Max(1, optionBytes.Length)];
                for (int i = 0; i < optionBytes.Length; i++)
                {
                    handles[i] = GCHandle.Alloc(optionBytes[i], GCHandleType.Pinned);
                    pointers[i] = (byte*)handles[i].AddrOfPinnedObject();
                }
                status = _compileProgram(program, optionBytes.Length, pointers);
            }
            finally
            {
                foreach (GCHandle handle in handles)
                {
                    if (handle.IsAllocated) handle.Free();
                }
            }
            log = ProgramLog(program);
            if (status == ErrorCompilation)
                throw new NvrtcCompileException(ToString(), string.Join(" ", options), log);
            Check(status, "nvrtcCompileProgram");
            nuint size;
            Check(cubin ? _getCubinSize(program, &size) : _getPtxSize(program, &size), cubin ? "nvrtcGetCUBINSize" : "nvrtcGetPTXSize");
            byte[] output = new byte[(int)size];
            fixed (byte* pointer = output)
                Check(cubin ? _getCubin(program, pointer) : _getPtx(program, pointer), cubin ? "nvrtcGetCUBIN" : "nvrtcGetPTX");
            return output;
        }
        finally
        {
            _destroyProgram(&program);
        }
    }

    /// <summary>nvrtcGetErrorString, e.g. "NVRTC_ERROR_COMPILATION".</summary>
    public string ErrorString(int status) => Marshal.PtrToStringUTF8((nint)_getErrorString(status)) ?? $"nvrtcResult {status}";

    private string ProgramLog(nint program)
    {
        nuint size;
        if (_getProgramLogSize(program, &size) != Success || size <= 1)
            return "";
        byte[] bytes = new byte[(int)size];
        fixed (byte* pointer = bytes)
        {
            if (_getProgramLog(program, pointer) != Success)
                return "";
        }
        int end = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
    }

    private void Check(int status, string call)
    {
        if (status != Success)
            throw new NvrtcException(call, status, _getErrorString == null ? $"nvrtcResult {status}" : ErrorString(status));
    }

    private static nint Export(nint handle, string name) =>
        NativeLibrary.TryGetExport(handle, name, out nint address) ? address : throw new EntryPointNotFoundException($"no export {name}");

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text + "\0");
}

/// <summary>The outcome of looking for NVRTC: the library, or why there is none.</summary>
public sealed record NvrtcLoad(Nvrtc? Nvrtc, string? Problem);

/// <summary>An NVRTC call that failed: "nvrtcCompileProgram failed: NVRTC_ERROR_INVALID_OPTION (5)".</summary>
public sealed class NvrtcException(string call, int status, string statusName)
    : Exception($"{call} failed: {statusName} ({status})")
{
    public string Call { get; } = call;
    public int Status { get; } = status;
}

/// <summary>
/// The kernels did not compile. One line for the CLI: "CUDA kernel build failed with NVRTC 12.4 (...):
/// linear.cl(42): error: ..."; <see cref="Log"/> keeps the whole compiler log.
/// </summary>
public sealed class NvrtcCompileException(string compiler, string options, string log)
    : UserInputException($"CUDA kernel build failed with {compiler}: {FirstError(log, options)}")
{
    public string Options { get; } = options;
    public string Log { get; } = log;

    /// <summary>The first log line that says "error" (NVRTC prints "file(line): error: ..."), else the first line.</summary>
    internal static string FirstError(string log, string options)
    {
        string[] lines = log.Replace("\r", "", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? line = lines.FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)) ?? lines.FirstOrDefault();
        return line ?? $"NVRTC_ERROR_COMPILATION with an empty log (options '{options}')";
    }
}
