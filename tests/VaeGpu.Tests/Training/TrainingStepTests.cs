using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Benchmarks;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Training;

namespace VaeGpu.Tests.Training;

/// <summary>bench times the step training runs: the benchmark runner and the trainer call one step method.</summary>
public sealed class TrainingStepTests
{
    [Fact]
    public void The_bench_runners_steps_give_the_trainers_parameters_bit_for_bit()
    {
        ImageSet images = TrainingFixtures.EmbeddedData.Train.Slice(0, 1000);
        VaeArchitecture architecture = TrainingStepRunner.DefaultArchitecture(hidden: 32, latent: 4);
        const int batch = 100, steps = 7;
        using var accelerator = new CpuAccelerator();

        using var runner = new TrainingStepRunner(accelerator, architecture, images, batch, seed: 1);
        runner.Run(steps);
        ModelState bench = runner.Model.Save();

        var settings = new TrainingSettings(1, batch, 1, new KlWeight(1f, 0), new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f),
            ReportEvery: TrainingStepRunner.ReportEvery);
        using var trainer = new Trainer(accelerator, architecture, settings, images);
        trainer.Load(null);
        // The runner's constructor runs two steps of its own (the first op by op, the second captured where
        // the accelerator captures), so the trainer goes as far as the runner went.
        Assert.Equal(steps + 2, bench.Step);
        var stop = new StopAtStep(trainer, bench.Step);
        Assert.NotNull(trainer.RunEpoch(1, control: stop).Stopped);
        ModelState trained = trainer.Model.Save();

        Assert.Equal(trained.Step, bench.Step);
        Assert.Equal(trained.Parameters, bench.Parameters);
        Assert.Equal(trained.AdamV, bench.AdamV);
    }

}
