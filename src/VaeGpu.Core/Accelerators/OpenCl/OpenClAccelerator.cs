using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace VaeGpu.Accelerators.OpenCl;

/// <summary>
/// The OpenCL accelerator: one device, one context, one in-order queue, and one program built from
/// kernels/*.cl. This class holds the device plumbing (buffers, transfers, the program, the
/// launcher); the ops themselves are <see cref="KernelAccelerator"/>'s, shared with CUDA.
/// </summary>
public sealed partial class OpenClAccelerator : KernelAccelerator
{
    /// <summary>The files of the one program, in order (common.h first: the others include it).</summary>
    public static readonly IReadOnlyList<string> ProgramFiles = ["common.h", "linear.cl", "reparam.cl", "elbo.cl", "adam.cl", "reduce.cl"];

    private OpenClProgram? _program;
    private bool _disposed;

    /// <param name="device">A device from <see cref="OpenClDevices"/>; unusable ones are refused.</param>
    /// <param name="tuning">Tile and work-group sizes, passed to the kernels as -D NAME=VALUE.</param>
    public OpenClAccelerator(OpenClDeviceInfo device, KernelTuning? tuning = null) : base(tuning ?? KernelTuning.Default)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.UnusableReason is { } reason)
            throw new ArgumentException($"{device} cannot run the kernels: {reason}", nameof(device));
        Device = device;
        Tuning.Validate(device.MaxWorkGroupSize);
        Defines = Tuning.Defines;
        BuildOptions = Options(Defines);
        Context = new OpenClContext(device);
    }

    public OpenClDeviceInfo Device { get; }

    /// <summary>"opencl: NVIDIA H100 80GB HBM3 (NVIDIA CUDA)".</summary>
    public override string Name => $"opencl: {Device.DeviceName} ({Device.PlatformName})";

    public IReadOnlyDictionary<string, int> Defines { get; }

    /// <summary>"-cl-std=CL1.2 -D TILE=16 ...".</summary>
    public string BuildOptions { get; }

    internal OpenClContext Context { get; }

    /// <summary>The kernels, built on first use (a failed build throws <see cref="OpenClBuildException"/> and is retried next use).</summary>
    internal OpenClProgram Program
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _program ??= Context.Build(KernelSources.Program([.. ProgramFiles]), BuildOptions);
        }
    }

    public override DeviceBuffer<T> Allocate<T>(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Context.Allocate<T>(this, length);
    }

    public override void Upload<T>(DeviceSpan<T> destination, ReadOnlySpan<T> source)
    {
        OpShapes.Require(nameof(Upload), "destination", destination, source.Length, this);
        Context.Write(Buffer(destination), destination.Offset, source);
    }

    public override void Download<T>(DeviceSpan<T> source, Span<T> destination)
    {
        OpShapes.Require(nameof(Download), "source", source, destination.Length, this);
        Context.Read(Buffer(source), source.Offset, destination);
    }

    /// <summary>Waits until every op issued so far has finished.</summary>
    public override void Synchronize()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Context.Finish();
    }

    /// <summary>Releases the kernels, the program, the queue and the context; buffers are released by their own Dispose.</summary>
    public override void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        DisposeScratch();
        _program?.Dispose();
        _program = null;
        Context.Dispose();
    }

    internal override IKernelCall Call(string kernel) => new KernelCall(Program.Kernel(kernel), Tuning);

    /// <summary>The cl_mem behind a span that <see cref="OpShapes"/> has already checked is ours.</summary>
    internal static OpenClBuffer<T> Buffer<T>(DeviceSpan<T> span) where T : unmanaged =>
        span.Buffer as OpenClBuffer<T> ?? throw new ArgumentException($"not an OpenCL buffer: {span}");

    internal static string Options(IReadOnlyDictionary<string, int> defines)
    {
        var options = new StringBuilder("-cl-std=CL1.2");
        foreach ((string name, int value) in defines)
        {
            if (!Identifier().IsMatch(name))
                throw new ArgumentException($"'{name}' is not a C identifier", nameof(defines));
            options.Append(" -D ").Append(name).Append('=').Append(value.ToString(CultureInfo.InvariantCulture));
        }
        return options.ToString();
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Identifier();
}
