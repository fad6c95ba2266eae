using System.Buffers.Binary;
using System.Security.Cryptography;
using VaeGpu.Accelerators;
using VaeGpu.Configuration;
using VaeGpu.Io;
using VaeGpu.Model;
using VaeGpu.Random;
using VaeGpu.Kernels;
using VaeGpu.Io.Checkpoints;

namespace VaeGpu.Tests.Io;

public sealed class CheckpointTests : IDisposable
{
    private const int ParameterCount = 1001;

    private static readonly VaeArchitecture Architecture = new(784, [512, 256, 7], 16, Activation.LeakyRelu,
        Likelihood.Gaussian(0.125f), new LogVarClamp(-12f, 6f));

    private readonly string _directory =
        Directory.CreateTempSubdirectory("vaegpu-checkpoint-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static CheckpointData Sample(int parameterCount = ParameterCount)
    {
        var random = new PhiloxRandom(seed: 5, stream: 99, substream: 0);
        float[] Array(float scale) => Enumerable.Range(0, parameterCount).Select(_ => scale * random.NextNormal()).ToArray();
        return new CheckpointData("{\n  \"Model\": { \"Name\": \"vae-β\" }\n}", Architecture,
            Seed: 0xFEED_FACE_CAFE_BEEFUL, Epoch: 3,
            State: new ModelState(Parameters: Array(0.1f), AdamM: Array(1e-3f), AdamV: Array(1e-6f), Step: 1_234_567_890_123L));
    }

    /// <summary>Saves a valid checkpoint and returns its bytes, for tests that damage them.</summary>
    private byte[] SavedBytes()
    {
        string path = PathOf("pristine.ckpt");
        Checkpoint.Save(path, Sample());
        return File.ReadAllBytes(path);
    }

    private static void RecomputeChecksum(byte[] bytes) =>
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).CopyTo(bytes.AsSpan(bytes.Length - 32));

    private static UserInputException LoadFails(string path, string expectedText)
    {
        var error = Assert.Throws<UserInputException>(() => Checkpoint.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(expectedText, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain('\r', error.Message);
        return error;
    }

    [Fact]
    public void RoundTripRestoresEveryField()
    {
        string path = PathOf("sub/dir/run.ckpt");
        CheckpointData saved = Sample();

        Checkpoint.Save(path, saved);
        CheckpointData loaded = Checkpoint.Load(path);

        Assert.Equal(saved.ConfigJson, loaded.ConfigJson);
        Assert.Equal(saved.Architecture, loaded.Architecture);
        Assert.Equal(saved.Architecture.Likelihood, loaded.Architecture.Likelihood);
        Assert.Equal(saved.Architecture.LogVarClamp, loaded.Architecture.LogVarClamp);
        Assert.Equal(saved.Seed, loaded.Seed);
        Assert.Equal(saved.Epoch, loaded.Epoch);
        Assert.Equal(saved.Step, loaded.Step);
        Assert.Equal(saved.Parameters, loaded.Parameters);
        Assert.Equal(saved.AdamM, loaded.AdamM);
        Assert.Equal(saved.AdamV, loaded.AdamV);
        Assert.Equal(ParameterCount, loaded.Parameters.Length);
    }

    [Fact]
    public void RoundTripKeepsSpecialFloatBitPatternsAndEmptyArrays()
    {
        float[] special = [float.NaN, -0f, float.Epsilon, float.NegativeInfinity, float.MaxValue];
        var data = Sample() with { State = Sample().State with { Parameters = special, AdamM = [.. special], AdamV = [.. special] } };
        string path = PathOf("special.ckpt");
        Checkpoint.Save(path, data);
        Assert.Equal(special.Select(BitConverter.SingleToInt32Bits), Checkpoint.Load(path).Parameters.Select(BitConverter.SingleToInt32Bits));

        var empty = Sample() with { State = Sample().State with { Parameters = [], AdamM = [], AdamV = [] }, ConfigJson = "" };
        Checkpoint.Save(path, empty);
        CheckpointData loaded = Checkpoint.Load(path);
        Assert.Empty(loaded.Parameters);
        Assert.Equal("", loaded.ConfigJson);
    }

    [Fact]
    public void SavingAgainReplacesTheFileAndLeavesNoTemporaryFiles()
    {
        string path = PathOf("run.ckpt");
        Checkpoint.Save(path, Sample());
        Checkpoint.Save(path, Sample(parameterCount: 3) with { Epoch = 4 });

        Assert.Equal(4, Checkpoint.Load(path).Epoch);
        Assert.Equal(["run.ckpt"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public void FileStartsWithMagicAndVersion()
    {
        byte[] bytes = SavedBytes();
        Assert.Equal("VAEGPUCK"u8.ToArray(), bytes[..8]);
        Assert.Equal(Checkpoint.FormatVersion, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(4u, Checkpoint.FormatVersion);
    }

    [Fact]
    public void TruncationIsReportedAsTruncated()
    {
        byte[] bytes = SavedBytes();
        int[] lengths = [0, 5, 8, 11, 12, 40, 100, bytes.Length / 2, bytes.Length - 33, bytes.Length - 32, bytes.Length - 1];
        foreach (int length in lengths)
        {
            string path = PathOf($"cut-{length}.ckpt");
            File.WriteAllBytes(path, bytes[..length]);
            LoadFails(path, "truncated");
        }
    }

    [Fact]
    public void FlippedByteInTheMiddleFailsTheChecksum()
    {
        byte[] bytes = SavedBytes();
        bytes[bytes.Length / 2] ^= 0x10;
        string path = PathOf("flipped.ckpt");
        File.WriteAllBytes(path, bytes);

        LoadFails(path, "corrupt: checksum mismatch");
    }

    [Fact]
    public void FlippedChecksumByteFailsTheChecksum()
    {
        byte[] bytes = SavedBytes();
        bytes[^1] ^= 0x01;
        string path = PathOf("flipped-hash.ckpt");
        File.WriteAllBytes(path, bytes);

        LoadFails(path, "corrupt: checksum mismatch");
    }

    [Fact]
    public void TrailingBytesAreReportedAsCorrupt()
    {
        string path = PathOf("trailing.ckpt");
        File.WriteAllBytes(path, [.. SavedBytes(), 0, 0, 0]);

        LoadFails(path, "corrupt: 3 unexpected bytes");
    }

    [Theory]
    [InlineData("{\"Seed\": 1}")]
    [InlineData("VAEG!")]
    [InlineData("VAEGPUCX-and-then-some-more-bytes-to-pass-any-length-check")]
    public void WrongMagicIsNotACheckpoint(string content)
    {
        string path = PathOf("foreign.ckpt");
        File.WriteAllText(path, content);

        LoadFails(path, "not a VaeGpu checkpoint");
    }

    [Fact]
    public void APartialEpochRoundTrips()
    {
        var partial = new VaeGpu.Training.PartialEpoch(Epoch: 4, StepsDone: 17, ExamplesDone: 2176, Recon: 12345.678901234, Kl: 987.654321, Seconds: 3.25);
        string path = PathOf("partial.ckpt");
        Checkpoint.Save(path, Sample() with { Partial = partial });

        CheckpointData loaded = Checkpoint.Load(path);

        Assert.Equal(partial, loaded.Partial);
        Assert.Equal(3, loaded.Epoch);
        SavedBytes(); // an epoch's end: no partial epoch
        Assert.Null(Checkpoint.Load(PathOf("pristine.ckpt")).Partial);
    }

    [Fact]
    public void AVersion1FileStillLoads()
    {
        // Version 1 is version 4 without the trailing partial-epoch, model-kind and running-statistics fields (an i32 0
        // each for an epoch's end of an MLP).
        byte[] v4 = SavedBytes();
        byte[] v1 = [.. v4.AsSpan(0, v4.Length - 32 - 12), .. new byte[32]];
        BinaryPrimitives.WriteUInt32LittleEndian(v1.AsSpan(8), 1);
        RecomputeChecksum(v1);
        string path = PathOf("v1.ckpt");
        File.WriteAllBytes(path, v1);

        CheckpointData loaded = Checkpoint.Load(path);

        Assert.Equal(Sample().Parameters, loaded.Parameters);
        Assert.Equal(Sample().Step, loaded.Step);
        Assert.Null(loaded.Partial);
    }

    [Fact]
    public void AVersion2FileStillLoadsAsAnMlp()
    {
        // Version 2 is version 4 without the trailing model-kind and running-statistics fields (an i32 0 each for an MLP).
        byte[] v4 = SavedBytes();
        byte[] v2 = [.. v4.AsSpan(0, v4.Length - 32 - 8), .. new byte[32]];
        BinaryPrimitives.WriteUInt32LittleEndian(v2.AsSpan(8), 2);
        RecomputeChecksum(v2);
        string path = PathOf("v2.ckpt");
        File.WriteAllBytes(path, v2);

        CheckpointData loaded = Checkpoint.Load(path);

        Assert.Equal(Sample().Parameters, loaded.Parameters);
        Assert.Null(loaded.Architecture.Conv);
    }

    [Fact]
    public void A_conv_architecture_round_trips_and_one_that_cannot_be_laid_out_is_refused()
    {
        var conv = new ConvSpec(28, 28, 1, [4, 8], Kernel: 4, Stride: 2, Padding: 1);
        var architecture = new VaeArchitecture(784, [], 3, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f)) { Conv = conv };
        int count = new VaeLayout(architecture).ParameterCount;
        CheckpointData data = Sample(parameterCount: count) with { Architecture = architecture };
        string path = PathOf("conv.ckpt");
        Checkpoint.Save(path, data);
        Assert.Equal(architecture, Checkpoint.Load(path).Architecture);
        Assert.Equal(conv, Checkpoint.Load(path).Architecture.Conv);

        // A 28×28 image with 1 channel stated as 3: the file is consistent but names an impossible model.
        var wrong = architecture with { Conv = conv with { Channels = 3 } };
        byte[] bytes = Checkpoint.Serialize(data with { Architecture = wrong });
        string bad = PathOf("bad-conv.ckpt");
        File.WriteAllBytes(bad, bytes);
        LoadFails(bad, "invalid checkpoint: conv 28×28×3");
    }

    [Fact]
    public void A_batch_norm_model_keeps_its_running_statistics_and_a_version_3_conv_file_still_loads()
    {
        var conv = new ConvSpec(28, 28, 1, [4, 8]) { Norm = ConvNorm.Batch };
        var architecture = new VaeArchitecture(784, [], 3, Activation.Relu, Likelihood.Bernoulli, new LogVarClamp(-30f, 20f)) { Conv = conv };
        var layout = new VaeLayout(architecture);
        Assert.Equal(2 * (4 + 8 + 4), layout.StatisticsCount);
        float[] statistics = Enumerable.Range(0, layout.StatisticsCount).Select(i => 0.25f * i - 3f).ToArray();
        CheckpointData sample = Sample(parameterCount: layout.ParameterCount);
        CheckpointData data = sample with { Architecture = architecture, State = sample.State with { RunningStatistics = statistics } };
        string path = PathOf("norm.ckpt");
        Checkpoint.Save(path, data);
        CheckpointData loaded = Checkpoint.Load(path);
        Assert.Equal(architecture, loaded.Architecture);
        Assert.Equal(ConvNorm.Batch, loaded.Architecture.Conv!.Norm);
        Assert.Equal(statistics, loaded.State.RunningStatistics);

        // Running statistics of another length than the model's BatchNorms need are a writer's mistake, named.
        string inconsistent = PathOf("norm-short.ckpt");
        File.WriteAllBytes(inconsistent, Checkpoint.Serialize(data with { State = data.State with { RunningStatistics = statistics[1..] } }));
        LoadFails(inconsistent, "31 running statistics, the model has 32");
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(PathOf("never.ckpt"), data with { State = data.State with { RunningStatistics = [] } }));

        // Version 3 had no norm field in the convolutional block and no running statistics: it loads as Norm = none.
        var plain = architecture with { Conv = conv with { Norm = ConvNorm.None } };
        CheckpointData withoutNorm = Sample(parameterCount: new VaeLayout(plain).ParameterCount) with { Architecture = plain };
        byte[] v4 = Checkpoint.Serialize(withoutNorm);
        // The conv block's last i32 (norm 0) sits before the statistics count (i32 0), before the checksum.
        byte[] v3 = [.. v4.AsSpan(0, v4.Length - 32 - 8), .. new byte[32]];
        BinaryPrimitives.WriteUInt32LittleEndian(v3.AsSpan(8), 3);
        RecomputeChecksum(v3);
        string v3Path = PathOf("v3-conv.ckpt");
        File.WriteAllBytes(v3Path, v3);
        CheckpointData old = Checkpoint.Load(v3Path);
        Assert.Equal(plain, old.Architecture);
        Assert.Empty(old.State.RunningStatistics);
    }

    [Fact]
    public void FutureVersionNamesTheVersion()
    {
        byte[] bytes = SavedBytes();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 5);
        RecomputeChecksum(bytes);
        string path = PathOf("future.ckpt");
        File.WriteAllBytes(path, bytes);

        LoadFails(path, "unsupported checkpoint format version 5");
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        LoadFails(PathOf("absent.ckpt"), "not found");
        LoadFails(PathOf("no-such-dir/absent.ckpt"), "not found");
    }

    [Fact]
    public void AdamMomentsOfAnotherLengthAreInconsistent()
    {
        CheckpointData five = Sample(parameterCount: 5);
        var data = five with { State = five.State with { AdamV = new float[4] } };
        string path = PathOf("inconsistent.ckpt");
        File.WriteAllBytes(path, Checkpoint.Serialize(data));

        LoadFails(path, "inconsistent checkpoint: 5 parameters but 5 and 4 Adam moments");
    }

    [Fact]
    public void UnknownActivationIsInvalid()
    {
        var data = Sample(parameterCount: 2) with { Architecture = Architecture with { Activation = (Activation)42 } };
        string path = PathOf("bad-activation.ckpt");
        File.WriteAllBytes(path, Checkpoint.Serialize(data));

        LoadFails(path, "unknown activation 42");
    }

    [Fact]
    public void SaveRefusesDataThatCouldNotBeLoaded()
    {
        string path = PathOf("refused.ckpt");
        CheckpointData three = Sample(parameterCount: 3);
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(path, three with { State = three.State with { AdamM = new float[2] } }));
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(path, Sample(parameterCount: 3) with { Epoch = -1 }));
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(path,
            Sample(parameterCount: 3) with { Architecture = Architecture with { Likelihood = Likelihood.Gaussian(0f) } }));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void CompatibleArchitecturePasses()
    {
        var equalButDistinct = Architecture with { Hidden = [512, 256, 7] };
        Checkpoint.EnsureCompatible(Sample(parameterCount: 1), equalButDistinct, "run.ckpt");
    }

    [Fact]
    public void MismatchedArchitectureNamesBoth()
    {
        var expected = Architecture with { Hidden = [400, 20] };
        var error = Assert.Throws<UserInputException>(() =>
            Checkpoint.EnsureCompatible(Sample(parameterCount: 1), expected, "runs/a/run.ckpt"));

        Assert.Contains("runs/a/run.ckpt", error.Message);
        Assert.Contains(Architecture.ToString(), error.Message);
        Assert.Contains(expected.ToString(), error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void MismatchOnlyInClampStillShowsTheDifference()
    {
        var expected = Architecture with { LogVarClamp = new LogVarClamp(-8f, 6f) };
        Assert.Equal(Architecture.ToString(), expected.ToString());

        var error = Assert.Throws<UserInputException>(() =>
            Checkpoint.EnsureCompatible(Sample(parameterCount: 1), expected, "run.ckpt"));
        Assert.Contains("[-12, 6]", error.Message);
        Assert.Contains("[-8, 6]", error.Message);
    }
}
