using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Analysis;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Tests.Training;
using VaeGpu.Training;

namespace VaeGpu.Tests.Analysis;

/// <summary>The scorer uploads the test set once: its −ELBO pass reuses the images the importance pass uses.</summary>
public sealed class ExampleScorerTests
{
    [Fact]
    public void Elbo_reuses_the_scorers_images_instead_of_uploading_them_again()
    {
        ImageSet test = TrainingFixtures.EmbeddedData.Test.Slice(0, 50);
        using var cpu = new CpuAccelerator();
        IAccelerator counting = CountingAccelerator.Wrap(cpu, out CountingAccelerator counter);
        using var model = new VaeModel(counting, TrainingFixtures.SmallArchitecture());
        model.Initialize(3);

        using var scorer = new ExampleScorer(model, test, 20, seed: 3);
        int afterConstruction = counter.ByteUploads;
        ElboScores scores = scorer.Elbo();

        Assert.Equal(1, afterConstruction);
        Assert.Equal(afterConstruction, counter.ByteUploads);
        using var evaluator = new Evaluator(model, test, 20, seed: 3); // the same figures as a standalone evaluator
        Assert.Equal(evaluator.PerExample().Recon, scores.Recon);
    }

    /// <summary>An IAccelerator that forwards every call and counts byte uploads (the image sets).</summary>
    private sealed class CountingAccelerator(IAccelerator inner) : ForwardingAccelerator(inner)
    {
        public int ByteUploads { get; private set; }

        public static IAccelerator Wrap(IAccelerator inner, out CountingAccelerator counter) => counter = new CountingAccelerator(inner);

        public override void Upload<T>(DeviceSpan<T> destination, ReadOnlySpan<T> source)
        {
            if (typeof(T) == typeof(byte)) ByteUploads++;
            Inner.Upload(destination, source);
        }

        public override void Dispose() { }
    }
}
