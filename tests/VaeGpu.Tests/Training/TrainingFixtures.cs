using VaeGpu.Accelerators;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Training;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Training;

/// <summary>Small models and data for training tests that must run in seconds.</summary>
internal static class TrainingFixtures
{
    private static readonly Lazy<DataSplit> Embedded = new(() => EmbeddedFashionMnist.Load());

    /// <summary>The embedded Fashion-MNIST copy (9,000 train / 1,000 test), loaded once per test run.</summary>
    public static DataSplit EmbeddedData => Embedded.Value;

    public static VaeArchitecture SmallArchitecture(int inputSize = 784) =>
        new(inputSize, [64], 8, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f));

    public static TrainingSettings Settings(int epochs, int batchSize = 100, ulong seed = 7) =>
        new(epochs, batchSize, seed, new KlWeight(1f, 0), new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f), ReportEvery: 5);
}
