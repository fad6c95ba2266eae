using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace VaeGpu.Accelerators.OpenCl;

/// <summary>
/// The OpenCL accelerator: one device, one context, one in-order queue, and one program built from
/// kernels/*.cl. This part holds the device plumbing (buffers, transfers, the program); the ops and
/// the <see cref="IAccelerator"/> declaration live in the other partial file.
/// </summary>
public sealed partial class OpenClAccelerator : IDisposable
{
    /// <summary>The files of the one program, in order (common.h first: the others include it).</summary>
    public static readonly IReadOnlyList<string> ProgramFiles = ["common.h", "linear.cl", "reparam.cl", "elbo.cl", "adam.cl", "reduce.cl"];

    private OpenClProgram? _program;
    private bool _disposed;

    /// <param name="device">A device from <see cref="OpenClDevices"/>; unusable ones are refused.</param>
    /// <param name="defines">Build-time constants (tile sizes, ...), passed as -D NAME=VALUE.</param>
    public OpenClAccelerator(OpenClDeviceInfo device, IReadOnlyDictionary<string, int>? defines = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.UnusableReason is { } reason)
            throw new ArgumentException($"{device} cannot run the kernels: {reason}", nameof(device));
        Device = device;
        Defines = defines is null ? new Dictionary<string, int>() : new Dictionary<string, int>(defines);
        BuildOptions = Options(Defines);
        Owner = (object)this as IAccelerator ?? new PendingOwner(this);
        Context = new OpenClContext(device);
    }

    /// <summary>True once the ops' partial file makes this class an <see cref="IAccelerator"/>.</summary>
    public static bool ImplementsOps => typeof(IAccelerator).IsAssignableFrom(typeof(OpenClAccelerator));

    public OpenClDeviceInfo Device { get; }

    /// <summary>"opencl: NVIDIA H100 80GB HBM3 (NVIDIA CUDA)".</summary>
    public string Name => $"opencl: {Device.DeviceName} ({Device.PlatformName})";

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

    /// <summary>
    /// The <see cref="IAccelerator"/> that owns this accelerator's buffers: this object itself once the
    /// ops' partial file declares the interface; until then a stand-in, so buffers work (and can be
    /// tested) before the ops exist. OpShapes checks compare against it.
    /// </summary>
    internal IAccelerator Owner { get; }

    public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Context.Allocate<T>(Owner, length);
    }

    public void Upload<T>(DeviceSpan<T> destination, ReadOnlySpan<T> source) where T : unmanaged
    {
        OpShapes.Require(nameof(Upload), "destination", destination, source.Length, Owner);
        Context.Write(Buffer(destination), destination.Offset, source);
    }

    public void Download<T>(DeviceSpan<T> source, Span<T> destination) where T : unmanaged
    {
        OpShapes.Require(nameof(Download), "source", source, destination.Length, Owner);
        Context.Read(Buffer(source), source.Offset, destination);
    }

    /// <summary>Waits until every op issued so far has finished.</summary>
    public void Synchronize()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Context.Finish();
    }

    /// <summary>Releases the kernels, the program, the queue and the context; buffers are released by their own Dispose.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _program?.Dispose();
        _program = null;
        Context.Dispose();
    }

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

    /// <summary>
    /// Owns the buffers while this class is not yet an <see cref="IAccelerator"/> (see <see cref="Owner"/>).
    /// Delete once the ops' partial file is merged.
    /// </summary>
    private sealed class PendingOwner(OpenClAccelerator accelerator) : IAccelerator
    {
        public string Name => accelerator.Name;
        public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged => accelerator.Allocate<T>(length);
        public void Upload<T>(DeviceSpan<T> destination, ReadOnlySpan<T> source) where T : unmanaged => accelerator.Upload(destination, source);
        public void Download<T>(DeviceSpan<T> source, Span<T> destination) where T : unmanaged => accelerator.Download(source, destination);
        public void Synchronize() => accelerator.Synchronize();
        public void Dispose() => accelerator.Dispose();
        public void LinearForward(DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> y,
            int rows, int inFeatures, int outFeatures, Activation activation) => throw Missing();
        public void LinearBackward(DeviceSpan<float> dy, DeviceSpan<float> x, DeviceSpan<float> w, DeviceSpan<float> dw,
            DeviceSpan<float> db, DeviceSpan<float> dx, int rows, int inFeatures, int outFeatures, Activation inputActivation) => throw Missing();
        public void Reparameterize(DeviceSpan<float> head, DeviceSpan<float> z, DeviceSpan<float> eps, DeviceSpan<float> kl,
            int rows, int latent, LogVarClamp clamp, NoiseSource noise, DeviceSpan<uint> counter) => throw Missing();
        public void ReparameterizeBackward(DeviceSpan<float> dz, DeviceSpan<float> head, DeviceSpan<float> eps, DeviceSpan<float> dHead,
            int rows, int latent, LogVarClamp clamp, KlWeight klWeight, float klScale, DeviceSpan<uint> counter) => throw Missing();
        public void ElboOutput(DeviceSpan<float> h, DeviceSpan<float> w, DeviceSpan<float> b, DeviceSpan<float> target,
            DeviceSpan<float> nll, DeviceSpan<float> dLogits, int rows, int hidden, int outFeatures, Likelihood likelihood,
            float gradScale) => throw Missing();
        public void AdamStep(DeviceSpan<float> parameters, DeviceSpan<float> gradients, DeviceSpan<float> m, DeviceSpan<float> v,
            AdamSettings adam, DeviceSpan<uint> counter) => throw Missing();
        public void Reduce(DeviceSpan<float> source, DeviceSpan<float> destination) => throw Missing();
        public void GatherRows(DeviceSpan<byte> images, DeviceSpan<int> indices, DeviceSpan<float> destination, int rows,
            int rowLength) => throw Missing();
        public void AdvanceCounter(DeviceSpan<uint> counter) => throw Missing();

        private static NotSupportedException Missing() => new("the OpenCL ops are not in this build yet");
    }
}
