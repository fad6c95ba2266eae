using VaeGpu.Accelerators;

namespace VaeGpu.Model;

/// <summary>
/// The trainable state on one accelerator: the flat parameter buffer, the flat gradient buffer,
/// Adam's two moment buffers, the step counter that the ops read, and a convolutional model's BatchNorm running
/// statistics (state that training updates but Adam does not).
/// </summary>
public sealed class VaeModel : IDisposable
{
    public VaeModel(IAccelerator accelerator, VaeArchitecture architecture)
    {
        Accelerator = accelerator;
        Layout = new VaeLayout(architecture);
        int count = Layout.ParameterCount;
        Parameters = accelerator.Allocate<float>(count);
        Gradients = accelerator.Allocate<float>(count);
        AdamM = accelerator.Allocate<float>(count);
        AdamV = accelerator.Allocate<float>(count);
        StepCounter = accelerator.Allocate<uint>(1);
        RunningStatistics = accelerator.Allocate<float>(Math.Max(1, Layout.StatisticsCount));
    }

    /// <summary>The BatchNorms' running [mean | variance] per normalized layer (<see cref="ConvLayer.Running"/>); one unused float without.</summary>
    public DeviceBuffer<float> RunningStatistics { get; }

    public IAccelerator Accelerator { get; }
    public VaeLayout Layout { get; }
    public DeviceBuffer<float> Parameters { get; }
    public DeviceBuffer<float> Gradients { get; }
    public DeviceBuffer<float> AdamM { get; }
    public DeviceBuffer<float> AdamV { get; }

    /// <summary>Completed training steps: the Philox step of the noise and Adam's t − 1.</summary>
    public DeviceBuffer<uint> StepCounter { get; }

    public void Initialize(ulong seed) => Load(InitialState(seed));

    /// <summary>Freshly initialized parameters for <paramref name="seed"/>, zero Adam moments, step 0.</summary>
    public ModelState InitialState(ulong seed) =>
        new(Layout.InitialParameters(seed), new float[Layout.ParameterCount], new float[Layout.ParameterCount], 0)
        {
            RunningStatistics = Layout.InitialStatistics(),
        };

    public void Load(ModelState state)
    {
        if (state.Parameters.Length != Layout.ParameterCount || state.AdamM.Length != Layout.ParameterCount ||
            state.AdamV.Length != Layout.ParameterCount)
            throw new ArgumentException($"state has {state.Parameters.Length} parameters, the model {Layout.ParameterCount}");
        if (state.RunningStatistics.Length != Layout.StatisticsCount)
            throw new ArgumentException($"state has {state.RunningStatistics.Length} running statistics, the model {Layout.StatisticsCount}");
        if (state.Step > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(state), state.Step, "step counter overflow");
        Accelerator.Upload<float>(Parameters, state.Parameters);
        Accelerator.Upload<float>(AdamM, state.AdamM);
        Accelerator.Upload<float>(AdamV, state.AdamV);
        Accelerator.Upload<uint>(StepCounter, [(uint)state.Step]);
        if (Layout.StatisticsCount > 0) Accelerator.Upload(RunningStatistics.Slice(0, Layout.StatisticsCount), state.RunningStatistics);
    }

    public ModelState Save()
    {
        int count = Layout.ParameterCount;
        var state = new ModelState(new float[count], new float[count], new float[count], 0)
        {
            RunningStatistics = new float[Layout.StatisticsCount],
        };
        Accelerator.Download<float>(Parameters, state.Parameters);
        Accelerator.Download<float>(AdamM, state.AdamM);
        Accelerator.Download<float>(AdamV, state.AdamV);
        Span<uint> step = stackalloc uint[1];
        Accelerator.Download<uint>(StepCounter, step);
        if (Layout.StatisticsCount > 0) Accelerator.Download(RunningStatistics.Slice(0, Layout.StatisticsCount), state.RunningStatistics);
        return state with { Step = step[0] };
    }

    public void Dispose()
    {
        Parameters.Dispose();
        Gradients.Dispose();
        AdamM.Dispose();
        AdamV.Dispose();
        StepCounter.Dispose();
        RunningStatistics.Dispose();
    }
}

/// <summary>The host copy of a model's trainable state (what a checkpoint holds besides the config).</summary>
public sealed record ModelState(float[] Parameters, float[] AdamM, float[] AdamV, long Step)
{
    /// <summary>The BatchNorms' running statistics (<see cref="VaeModel.RunningStatistics"/>); empty for a model without.</summary>
    public float[] RunningStatistics { get; init; } = [];
}
