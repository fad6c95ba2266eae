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
    public static readonly VaeArchitecture Architecture =
        new(784, [32], 4, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f));

    public static TrainingSettings Settings(int epochs, int batchSize, int shards) =>
        new(epochs, batchSize, Seed: 7, new KlWeight(1f, 0), new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f), ReportEvery: 3) { Shards = shards };

    /// <summary>Trains from the seed's initial parameters; <paramref name="exchange"/> null trains every shard here.</summary>
    public static RunResult Train(IAccelerator accelerator, TrainingSettings settings, ImageSet train, IShardExchange? exchange)
    {
        using var trainer = new Trainer(accelerator, Architecture, settings, train, exchange);
        trainer.Load(null);
        var losses = new List<double>();
        for (int epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            EpochResult result = trainer.RunEpoch(epoch);
            losses.AddRange([result.Recon, result.Kl]);
        }
        ModelState state = trainer.Model.Save();
        return new RunResult(state.Step, state.Parameters, state.AdamM, state.AdamV, [.. losses]);
    }
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
