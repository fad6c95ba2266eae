using VaeGpu.Accelerators;
using VaeGpu.Tests.Accelerators.Reference;
using VaeGpu.Random;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>
/// Every op of <see cref="IAccelerator"/> run through an accelerator and compared against the
/// float64 <see cref="ReferenceOps"/>. A subclass per accelerator supplies <see cref="CreateAccelerator"/>;
/// a device accelerator overrides <see cref="SkipReason"/> so that its tests skip visibly when the
/// device is absent. The tests of each op family are in a partial file named after it
/// (<c>AcceleratorOpTests.Linear.cs</c>, <c>.Elbo.cs</c>, <c>.Reparameterize.cs</c>, <c>.Adam.cs</c>, <c>.Reduce.cs</c>,
/// <c>.Gather.cs</c>, <c>.StepCounters.cs</c>, <c>.AnyOp.cs</c>), each test named <c>Op_aspect</c>; this file holds the
/// fixture, the shared shapes and the helpers.
///
/// Every operand lives at a non-zero offset inside a larger buffer whose margins hold a sentinel,
/// and every output is poisoned with NaN before the op runs: an element the op forgot to write
/// fails the comparison (NaN compares false), an element written outside its span fails the guard.
///
/// Tolerances. ε = 2⁻²³ (float's machine epsilon). A float32 dot product of length K, summed in any
/// order, has an error below K·ε·Σ|terms| in the worst case and about √K·ε·Σ|terms| in practice
/// (rounding errors behave like a random walk); the tests accept
///     |got − ref| ≤ 4·ε·√(K + 1) · (Σ|terms| + |bias|) + tiny,
/// the +1 for the bias add, the factor 4 for the blocking/FMA orders of different kernels. Element-wise
/// results (activations, losses, Adam) are allowed a few ε relative to the magnitudes of the terms
/// they are made of; TensorPrimitives.Tanh/Sigmoid differ from Math.Tanh by up to ~1e-6 relative,
/// hence 16·ε for those. Errors propagated from a dot product go through the derivative of what
/// follows it (every activation is 1-Lipschitz; a logit error moves a BCE by at most |σ − x| ≤ 1).
/// </summary>
public abstract partial class AcceleratorOpTests : IDisposable
{
    protected const double Eps32 = 1.0 / (1 << 23);
    private const double Tiny = 1e-30;
    private const int Margin = 3;
    private const float Sentinel = 1234.5f;

    private readonly List<IDisposable> _owned = [];
    private IAccelerator? _accelerator;

    protected abstract IAccelerator CreateAccelerator();

    /// <summary>
    /// False when <see cref="CreateAccelerator"/> hands out one accelerator shared by every test of the
    /// class (an ILGPU device compiles all its kernels when created: seconds on CUDA, per test otherwise).
    /// </summary>
    protected virtual bool OwnsAccelerator => true;

    /// <summary>Non-null when the accelerator cannot run here (no device): every test skips with this reason.</summary>
    protected virtual string? SkipReason => null;

    /// <summary>
    /// The one test a suite shows where its device is absent (its [SuiteFact]/[SuiteTheory] cases are then
    /// not discovered: <see cref="RequiresDeviceAttribute"/>), skipped with the reason; where the device is
    /// there it checks that the accelerator starts and names itself.
    /// </summary>
    [Fact]
    public void Device_is_present_or_the_suite_is_skipped_with_the_reason() => Assert.False(string.IsNullOrWhiteSpace(Accelerator.Name));

    /// <summary>
    /// Absolute tolerance on the noise against <see cref="VaeGpu.Random.PhiloxNormal.NoiseAt"/> (relative to 1 + |ε|):
    /// 0 for the CPU, which uses the same code; a device whose log/sin/cos round differently overrides it.
    /// </summary>
    protected virtual double NoiseTolerance => 0;

    protected IAccelerator Accelerator
    {
        get
        {
            string? reason = SkipReason;
            Assert.SkipWhen(reason is not null, reason ?? "");
            return _accelerator ??= CreateAccelerator();
        }
    }

    public void Dispose()
    {
        foreach (IDisposable buffer in _owned) buffer.Dispose();
        if (OwnsAccelerator) _accelerator?.Dispose();
        GC.SuppressFinalize(this);
    }

    public static TheoryData<int, int, int> LinearShapes => new()
    {
        { 1, 1, 1 },
        { 2, 3, 5 },
        { 7, 17, 9 },
        { 1, 300, 1 },
        { 7, 1, 17 },
        { 128, 13, 1 },
        { 33, 8, 16 },
        { 33, 16, 8 },
        { 2, 97, 131 },
        { 33, 200, 300 },
        { 7, 25, 23 },
        // The model's own shapes (784-400-20 on batches of 128).
        { 128, 784, 400 },
        { 128, 400, 40 },
        { 128, 20, 400 },
        { 128, 400, 784 },
    };

    public static readonly Activation[] AllActivations =
        [Activation.Identity, Activation.Relu, Activation.Tanh, Activation.LeakyRelu, Activation.Sigmoid];

    public static TheoryData<float> NonFinite => new(float.NaN, float.PositiveInfinity, float.NegativeInfinity);

    /// <summary>4·ε·√(K + 1): see the class comment.</summary>
    protected static double DotRtol(int length) => 4 * Eps32 * Math.Sqrt(length + 1);

    /// <summary>A seed per case, the same in every run (HashCode.Combine is randomized per process, so not that).</summary>
    protected static int Seed(params int[] parts)
    {
        int seed = 17;
        foreach (int part in parts) seed = unchecked(seed * 31 + part);
        return seed & int.MaxValue;
    }

    /// <summary>Uniform in ±scale, never all zero.</summary>
    protected static float[] RandomValues(System.Random random, int length, double scale)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        if (length > 0 && values.All(v => v == 0)) values[0] = (float)scale;
        return values;
    }

    protected T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>The values at an offset inside a larger buffer whose margins hold a sentinel.</summary>
    protected DeviceSpan<float> Input(float[] values) => Guarded(values);

    /// <summary>An output of <paramref name="length"/> elements poisoned with NaN, inside sentinel margins.</summary>
    protected DeviceSpan<float> Output(int length)
    {
        var values = new float[length];
        Array.Fill(values, float.NaN);
        return Guarded(values);
    }

    private DeviceSpan<float> Guarded(float[] values)
    {
        DeviceBuffer<float> buffer = Own(Accelerator.Allocate<float>(values.Length + 2 * Margin));
        var host = new float[values.Length + 2 * Margin];
        Array.Fill(host, Sentinel);
        values.CopyTo(host, Margin);
        Accelerator.Upload<float>(buffer, host);
        return buffer.Slice(Margin, values.Length);
    }

    /// <summary>Downloads a span made by <see cref="Input"/>/<see cref="Output"/>, checking that its margins are intact.</summary>
    protected float[] Read(DeviceSpan<float> span)
    {
        var host = new float[span.Buffer!.Length];
        Accelerator.Download<float>(span.Buffer.All, host);
        for (int i = 0; i < host.Length; i++)
        {
            if (i >= span.Offset && i < span.Offset + span.Length) continue;
            Assert.True(host[i] == Sentinel, $"element {i - span.Offset} outside the span was overwritten with {host[i]}");
        }
        return host.AsSpan(span.Offset, span.Length).ToArray();
    }

    /// <summary>A buffer of this accelerator holding <paramref name="values"/>, disposed with the test.</summary>
    protected DeviceBuffer<T> Uploaded<T>(T[] values) where T : unmanaged
    {
        DeviceBuffer<T> buffer = Own(Accelerator.Allocate<T>(values.Length));
        Accelerator.Upload<T>(buffer, values);
        return buffer;
    }

    protected DeviceSpan<uint> Counter(uint value)
    {
        DeviceBuffer<uint> buffer = Own(Accelerator.Allocate<uint>(3));
        Accelerator.Upload<uint>(buffer, [0xDEADu, value, 0xBEEFu]);
        return buffer.Slice(1, 1);
    }

    protected uint ReadCounter(DeviceSpan<uint> counter)
    {
        var value = new uint[1];
        Accelerator.Download(counter, value);
        return value[0];
    }

    protected static void AssertClose(string what, float[] got, Func<int, double> expected, Func<int, double> tolerance)
    {
        for (int i = 0; i < got.Length; i++) AssertElement(what, i, got[i], expected(i), tolerance(i));
    }

    protected static void AssertElement(string what, int index, float got, double expected, double tolerance)
    {
        double error = Math.Abs(got - expected);
        if (!(error <= tolerance))
            Assert.Fail($"{what}[{index}] = {got:R}, expected {expected:R} ± {tolerance:G3} (error {error:G3}, {error / tolerance:G3}× the tolerance)");
    }
}
