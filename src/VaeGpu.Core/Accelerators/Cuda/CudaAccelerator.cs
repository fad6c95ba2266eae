using System.Globalization;
using System.Text;
using VaeGpu.Accelerators.OpenCl;
using static VaeGpu.Accelerators.Cuda.CudaNative;

namespace VaeGpu.Accelerators.Cuda;

/// <summary>
/// The CUDA accelerator: one device's primary context, one non-blocking stream, and one module
/// compiled by NVRTC from kernels/cuda_prelude.h + the same kernel files as OpenCL. This part holds
/// the plumbing (context, stream, buffers, transfers, the module, the launcher, capture); the ops
/// themselves are <see cref="KernelAccelerator"/>'s, shared with OpenCL. Not thread-safe (one accelerator issues from one thread at a time); the
/// context is made current on the calling thread at every entry point, so which thread that is
/// may change.
/// </summary>
public sealed unsafe partial class CudaAccelerator : KernelAccelerator, IStepCapture
{
    /// <summary>What NVRTC compiles: the prelude first, then <see cref="OpenClAccelerator.ProgramFiles"/>.</summary>
    public static IReadOnlyList<string> ProgramFiles { get; } = ["cuda_prelude.h", .. OpenClAccelerator.ProgramFiles];

    private readonly Dictionary<string, nint> _functions = new(StringComparer.Ordinal);
    private readonly List<CudaGraph> _graphs = [];
    private nint _context;
    private nint _stream;
    private nint _module;
    private bool _capturing;
    private bool _disposed;

    /// <param name="device">A device from <see cref="CudaDevices"/>.</param>
    /// <param name="tuning">Tile and block sizes, passed to the kernels as -D NAME=VALUE.</param>
    /// <param name="nvrtc">The compiler; by default the one <see cref="Nvrtc.Shared"/> found (none: ConfigException-style error).</param>
    public CudaAccelerator(CudaDeviceInfo device, KernelTuning? tuning = null, Nvrtc? nvrtc = null)
        : base(tuning ?? KernelTuning.Default)
    {
        ArgumentNullException.ThrowIfNull(device);
        Device = device;
        Compiler = nvrtc ?? Nvrtc.Shared.Nvrtc
            ?? throw new ArgumentException($"{device} cannot compile the kernels: {Nvrtc.Shared.Problem}", nameof(nvrtc));
        Tuning.Validate((ulong)device.MaxThreadsPerBlock);
        Defines = Tuning.Defines;
        CompileOptions = Options(device, Defines);
        Label = $"{device.Name} (compute {device.ComputeCapability})";
        nint context;
        Check(cuInit(0), nameof(cuInit));
        Check(cuDevicePrimaryCtxRetain(&context, device.Handle), nameof(cuDevicePrimaryCtxRetain));
        _context = context;
        try
        {
            Check(cuCtxSetCurrent(_context), nameof(cuCtxSetCurrent));
            nint stream;
            Check(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING), nameof(cuStreamCreate));
            _stream = stream;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public CudaDeviceInfo Device { get; }

    /// <summary>"cuda: NVIDIA H100 80GB HBM3 (compute 9.0)".</summary>
    public override string Name => $"cuda: {Label}";


    public IReadOnlyDictionary<string, int> Defines { get; }

    /// <summary>NVRTC options: "--gpu-architecture=compute_90", "-DVAEGPU_CUDA=1", "--fmad=false", "--std=c++17", "-DTILE_M=64", ...</summary>
    public IReadOnlyList<string> CompileOptions { get; }

    public Nvrtc Compiler { get; }

    /// <summary>How the module was built: "PTX (compute_90) from NVRTC 12.4 (...)", or the CUBIN fallback; null before the first op.</summary>
    public string? BuildNote { get; private set; }

    /// <summary>The compiler log of the successful build (warnings), often empty.</summary>
    public string BuildLog { get; private set; } = "";

    internal string Label { get; }

    internal nint Stream
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _stream;
        }
    }

    public override DeviceBuffer<T> Allocate<T>(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Enter(nameof(Allocate));
        if (length == 0)
            return new CudaBuffer<T>(this, 0, 0);
        long bytes = (long)length * sizeof(T);
        ulong pointer;
        int status = cuMemAlloc_v2(&pointer, (nuint)bytes);
        if (status == CudaStatus.OutOfMemory)
            throw CudaOutOfMemoryException.Allocating(bytes, Label, nameof(cuMemAlloc_v2), status);
        Check(status, nameof(cuMemAlloc_v2));
        return new CudaBuffer<T>(this, pointer, length);
    }

    public override void Upload<T>(DeviceSpan<T> destination, ReadOnlySpan<T> source)
    {
        OpShapes.Require(nameof(Upload), "destination", destination, source.Length, this);
        Enter(nameof(Upload));
        if (source.IsEmpty)
            return;
        fixed (T* pointer = source)
        {
            Check(cuMemcpyHtoDAsync_v2(Address(destination), pointer, (nuint)source.Length * (nuint)sizeof(T), _stream), nameof(cuMemcpyHtoDAsync_v2));
            // The source is pageable managed memory: it must stay put until the copy is done.
            Check(cuStreamSynchronize(_stream), nameof(cuStreamSynchronize));
        }
    }

    public override void Download<T>(DeviceSpan<T> source, Span<T> destination)
    {
        OpShapes.Require(nameof(Download), "source", source, destination.Length, this);
        Enter(nameof(Download));
        if (destination.IsEmpty)
            return;
        fixed (T* pointer = destination)
        {
            Check(cuMemcpyDtoHAsync_v2(pointer, Address(source), (nuint)destination.Length * (nuint)sizeof(T), _stream), nameof(cuMemcpyDtoHAsync_v2));
            Check(cuStreamSynchronize(_stream), nameof(cuStreamSynchronize));
        }
    }

    /// <summary>Queues bytes [offset, offset + length) of the span's elements = <paramref name="value"/> (cuMemsetD8Async).</summary>
    internal void FillBytes<T>(DeviceSpan<T> span, byte value) where T : unmanaged
    {
        OpShapes.Require(nameof(FillBytes), "span", span, span.Length, this);
        Enter(nameof(FillBytes), allowedWhileCapturing: true);
        if (span.Length == 0)
            return;
        Check(cuMemsetD8Async(Address(span), value, (nuint)span.Length * (nuint)sizeof(T), _stream), nameof(cuMemsetD8Async));
    }

    /// <summary>Waits until every op issued so far has finished.</summary>
    public override void Synchronize()
    {
        Enter(nameof(Synchronize));
        Check(cuStreamSynchronize(_stream), nameof(cuStreamSynchronize));
    }

    /// <summary>Milliseconds the ops queued by <paramref name="work"/> took on the device (CUDA events around them).</summary>
    public float TimeOnDevice(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        Enter(nameof(TimeOnDevice));
        nint start = 0, end = 0;
        try
        {
            Check(cuEventCreate(&start, CU_EVENT_DEFAULT), nameof(cuEventCreate));
            Check(cuEventCreate(&end, CU_EVENT_DEFAULT), nameof(cuEventCreate));
            Check(cuEventRecord(start, _stream), nameof(cuEventRecord));
            work();
            Check(cuEventRecord(end, _stream), nameof(cuEventRecord));
            Check(cuEventSynchronize(end), nameof(cuEventSynchronize));
            float milliseconds;
            Check(cuEventElapsedTime(&milliseconds, start, end), nameof(cuEventElapsedTime));
            return milliseconds;
        }
        finally
        {
            if (start != 0) cuEventDestroy_v2(start);
            if (end != 0) cuEventDestroy_v2(end);
        }
    }

    // ------------------------------------------------------------------ capture (CUDA graphs)

    /// <summary>Starts recording ops on the stream (cuStreamBeginCapture_v2, thread-local mode). Compiles the kernels first.</summary>
    public void BeginCapture()
    {
        Enter(nameof(BeginCapture));
        if (_capturing)
            throw new InvalidOperationException("already capturing");
        EnsureModule();
        foreach (string kernel in KernelNames)
            Function(kernel); // look every kernel up now: module calls do not belong inside a capture
        Check(cuStreamBeginCapture_v2(_stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), nameof(cuStreamBeginCapture_v2));
        _capturing = true;
    }

    /// <summary>Stops recording (cuStreamEndCapture) and instantiates the graph (cuGraphInstantiateWithFlags).</summary>
    public ICapturedOps EndCapture()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_capturing)
            throw new InvalidOperationException("not capturing: call BeginCapture first");
        MakeCurrent();
        _capturing = false;
        nint graph;
        Check(cuStreamEndCapture(_stream, &graph), nameof(cuStreamEndCapture));
        nint exec;
        int status = cuGraphInstantiateWithFlags(&exec, graph, 0);
        if (status != CudaStatus.Success)
        {
            cuGraphDestroy(graph);
            Check(status, nameof(cuGraphInstantiateWithFlags));
        }
        var captured = new CudaGraph(this, graph, exec);
        _graphs.Add(captured);
        return captured;
    }

    internal void Replay(CudaGraph graph)
    {
        Enter(nameof(ICapturedOps.Replay));
        Check(cuGraphLaunch(graph.Exec, _stream), nameof(cuGraphLaunch));
    }

    internal void Forget(CudaGraph graph)
    {
        _graphs.Remove(graph);
        if (_disposed || _context == 0) return;
        cuCtxSetCurrent(_context);
        cuGraphExecDestroy(graph.Exec);
        cuGraphDestroy(graph.Graph);
    }

    /// <summary>Frees the graphs, the module, the stream and releases the primary context; buffers are freed by their own Dispose.</summary>
    public override void Dispose()
    {
        if (_disposed)
            return;
        if (_context != 0)
        {
            cuCtxSetCurrent(_context);
            if (_capturing)
            {
                nint abandoned;
                if (cuStreamEndCapture(_stream, &abandoned) == CudaStatus.Success && abandoned != 0)
                    cuGraphDestroy(abandoned);
                _capturing = false;
            }
            foreach (CudaGraph graph in _graphs.ToArray())
                graph.Dispose();
            DisposeScratch();
            if (_stream != 0)
            {
                cuStreamSynchronize(_stream); // nothing may still run against memory that its owners free next
                cuStreamDestroy_v2(_stream);
            }
            if (_module != 0)
                cuModuleUnload(_module);
            cuDevicePrimaryCtxRelease_v2(Device.Handle);
        }
        _stream = 0;
        _module = 0;
        _context = 0;
        _functions.Clear();
        _disposed = true;
    }

    // ------------------------------------------------------------------ plumbing

    /// <summary>NVRTC options for a device and its tuning defines.</summary>
    internal static IReadOnlyList<string> Options(CudaDeviceInfo device, IReadOnlyDictionary<string, int> defines, bool cubin = false)
    {
        var options = new List<string>
        {
            $"--gpu-architecture={(cubin ? device.RealArchitecture : device.VirtualArchitecture)}",
            "-DVAEGPU_CUDA=1",
            // No contraction of a*b+c into fma: the OpenCL side has #pragma OPENCL FP_CONTRACT OFF and the
            // CPU's C# never contracts; the kernels write every fma they want explicitly (common.h).
            "--fmad=false",
            "--std=c++17",
        };
        foreach ((string name, int value) in defines)
        {
            if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw new ArgumentException($"'{name}' is not a C identifier", nameof(defines));
            options.Add($"-D{name}={value.ToString(CultureInfo.InvariantCulture)}");
        }
        return options;
    }

    /// <summary>The program text NVRTC compiles: cuda_prelude.h, then the OpenCL program's files, includes resolved.</summary>
    public static string ProgramSource() => KernelSources.Program([.. ProgramFiles]);

    /// <summary>The CUfunction for a kernel of the module (compiled and loaded on first use).</summary>
    internal nint Function(string name)
    {
        if (_functions.TryGetValue(name, out nint function))
            return function;
        EnsureModule();
        byte[] bytes = Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* pointer = bytes)
            Check(cuModuleGetFunction(&function, _module, pointer), nameof(cuModuleGetFunction), $"kernel '{name}'");
        _functions.Add(name, function);
        return function;
    }

    /// <summary>Compiles the kernels with NVRTC (PTX for the device's compute_XY) and loads them; a driver that refuses NVRTC's PTX version gets a CUBIN instead.</summary>
    private void EnsureModule()
    {
        if (_module != 0)
            return;
        if (_capturing)
            throw new InvalidOperationException("the kernels must be compiled before capturing (BeginCapture does it)");
        string source = ProgramSource();
        byte[] image = Compiler.Compile(source, "vaegpu_kernels.cu", CompileOptions, cubin: false, out string log);
        nint module;
        int status;
        fixed (byte* pointer = image)
            status = cuModuleLoadData(&module, pointer);
        string note = $"PTX ({Device.VirtualArchitecture}) from {Compiler}";
        if (status is CudaStatus.UnsupportedPtxVersion or CudaStatus.InvalidPtx && Compiler.CanEmitCubin)
        {
            // NVRTC is newer than the driver: its PTX cannot be JIT-compiled, but its SASS loads.
            image = Compiler.Compile(source, "vaegpu_kernels.cu", Options(Device, Defines, cubin: true), cubin: true, out log);
            fixed (byte* pointer = image)
                status = cuModuleLoadData(&module, pointer);
            note = $"CUBIN ({Device.RealArchitecture}) from {Compiler}: the driver refused its PTX";
        }
        Check(status, nameof(cuModuleLoadData), status == CudaStatus.UnsupportedPtxVersion
            ? $"{Compiler} is newer than the driver ({CudaDevices.Discovery.DriverVersionText}): use an older NVRTC ({NvrtcSearch.OverrideVariable}=...) or update the driver"
            : note);
        _module = module;
        BuildNote = note;
        BuildLog = log;
    }

    internal void Free(ulong pointer)
    {
        if (_disposed || _context == 0)
            return; // the context is gone, and its memory with it
        cuCtxSetCurrent(_context);
        cuMemFree_v2(pointer);
    }

    /// <summary>Throws for a failing status: out of memory as a one-line user error, the rest as <see cref="CudaException"/>.</summary>
    internal void Check(int status, string call, string? detail = null)
    {
        if (status == CudaStatus.Success)
            return;
        if (status == CudaStatus.OutOfMemory)
            throw CudaOutOfMemoryException.InUse(Label, detail is null ? call : $"{call} {detail}", status);
        throw new CudaException(call, status, detail);
    }

    /// <summary>Every entry point: not disposed, the context current on this thread, and no host transfer while capturing.</summary>
    private void Enter(string what, bool allowedWhileCapturing = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_capturing && !allowedWhileCapturing)
            throw new InvalidOperationException($"{what} is not allowed while capturing ops (only ops may be issued between BeginCapture and EndCapture)");
        MakeCurrent();
    }

    private void MakeCurrent() => Check(cuCtxSetCurrent(_context), nameof(cuCtxSetCurrent));

    /// <summary>The device address of the span's first element.</summary>
    private static ulong Address<T>(DeviceSpan<T> span) where T : unmanaged =>
        Buffer(span).Pointer + (ulong)span.Offset * (ulong)sizeof(T);

    /// <summary>The allocation behind a span that <see cref="OpShapes"/> has already checked is ours.</summary>
    internal static CudaBuffer<T> Buffer<T>(DeviceSpan<T> span) where T : unmanaged =>
        span.Buffer as CudaBuffer<T> ?? throw new ArgumentException($"not a CUDA buffer: {span}");

    /// <summary>A new launch of a kernel of the module.</summary>
    internal override IKernelCall Call(string kernel)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        MakeCurrent();
        return new CudaKernelCall(this, kernel, Function(kernel), Tuning);
    }
}

/// <summary>An instantiated CUDA graph (cuGraphExec) and the graph it came from.</summary>
internal sealed class CudaGraph(CudaAccelerator owner, nint graph, nint exec) : ICapturedOps
{
    private bool _disposed;

    public nint Graph { get; } = graph;
    public nint Exec { get; } = exec;

    public void Replay()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        owner.Replay(this);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        owner.Forget(this);
    }
}
