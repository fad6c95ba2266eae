using VaeGpu.Accelerators;
using VaeGpu.Data;
using VaeGpu.Kernels;
using VaeGpu.Model;
using VaeGpu.Training;
using VaeGpu.Distributed;

namespace VaeGpu.MpiRank;

/// <summary>
/// The run that the distributed tests train twice, once under mpirun (tests/VaeGpu.MpiRank, one rank per shard) and
/// once in one process with the same shards, and compare bit for bit: one definition, so the two cannot drift apart.
/// </summary>
public static class DistributedTestRun
{
    /// <summary>The last epoch's training throughput of the last <see cref="Train"/> (for the timing runs, bench/RESULTS.md).</summary>
    public static double SamplesPerSecond { get; private set; }

    public static readonly VaeArchitecture Architecture =
        new(784, [32], 4, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f));

    public static TrainingSettings Settings(int epochs, int batchSize, int shards) =>
        new(epochs, batchSize, Seed: 7, new KlWeight(1f, 0), new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f), ReportEvery: 3) { Shards = shards };

    /// <summary>Trains from the seed's initial parameters; <paramref name="exchange"/> null trains every shard here.</summary>
    /// <param name="architecture">Default: the tests' small <see cref="Architecture"/>; the timing runs give the default model.</param>
    /// <param name="stopAfterStep">A stop asked for (by this process's control) once this many steps are done; 0: none.</param>
    public static RunResult Train(IAccelerator accelerator, TrainingSettings settings, ImageSet train, IShardExchange? exchange,
        VaeArchitecture? architecture = null, long stopAfterStep = 0)
    {
        using var trainer = new Trainer(accelerator, architecture ?? Architecture, settings, train, exchange);
        trainer.Load(null);
        var control = new StopAfter(() => trainer.Step, stopAfterStep);
        var losses = new List<double>();
        for (int epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            EpochResult result = trainer.RunEpoch(epoch, control: control);
            losses.AddRange([result.Recon, result.Kl]);
            SamplesPerSecond = result.SamplesPerSecond;
            if (result.Stopped is not null) break;
        }
        ModelState state = trainer.Model.Save();
        return new RunResult(state.Step, state.Parameters, state.AdamM, state.AdamV, [.. losses]);
    }
}

/// <summary>A stop once <paramref name="step"/> reaches <paramref name="after"/> (never when 0), as a signal would ask; no mid-epoch checkpoints.</summary>
internal sealed class StopAfter(Func<long> step, long after) : ITrainingControl
{
    public bool StopRequested => after > 0 && step() >= after;

    public bool CheckpointDue(int stepsInEpoch) => false;

    public void SaveCheckpoint(PartialEpoch partial) { }
}

/// <summary>What a distributed test run ends with: the step, the state's floats and each epoch's (recon, KL) means.</summary>
public sealed record RunResult(long Step, float[] Parameters, float[] AdamM, float[] AdamV, double[] Losses)
{
    /// <summary>Writes it to <paramref name="path"/> through a temporary file, so a reader never sees half of it.</summary>
    public void Write(string path)
    {
        string temporary = path + ".partial";
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(Step);
            foreach (float[] values in new[] { Parameters, AdamM, AdamV })
            {
                writer.Write(values.Length);
                foreach (float value in values) writer.Write(value);
            }
            writer.Write(Losses.Length);
            foreach (double value in Losses) writer.Write(value);
        }
        File.Move(temporary, path, overwrite: true);
    }

    public static RunResult Read(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        long step = reader.ReadInt64();
        float[] Floats() => Enumerable.Range(0, reader.ReadInt32()).Select(_ => reader.ReadSingle()).ToArray();
        float[] parameters = Floats(), m = Floats(), v = Floats();
        double[] losses = Enumerable.Range(0, reader.ReadInt32()).Select(_ => reader.ReadDouble()).ToArray();
        return new RunResult(step, parameters, m, v, losses);
    }
}
