using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using VaeGpu.Accelerators;
using VaeGpu.Model;
using VaeGpu.Training;
using VaeGpu.Kernels;

namespace VaeGpu.Io.Checkpoints;

/// <summary>
/// The training checkpoint file. Layout, little-endian:
/// "VAEGPUCK", u32 format version (4; versions 1 to 3, which lack the partial epoch, the convolutional
/// block or its BatchNorm, are still read);
/// i32 byte count + UTF-8 configuration JSON;
/// architecture: i32 input size, i32 hidden count, i32 × count widths, i32 latent, i32 activation,
/// i32 likelihood kind, f32 sigma, f32 logvar min, f32 logvar max;
/// u64 seed, i32 completed epochs, i64 completed steps;
/// parameters, Adam m, Adam v: each i32 count + f32 × count;
/// version 2: the partial epoch: i32 steps done in epoch (0: the checkpoint ends an epoch), then, when
/// not 0, i32 examples done, f64 reconstruction sum, f64 KL sum, f64 seconds;
/// version 3: the convolutional model: i32 1 (0 for the MLP), then i32 height, width, channels,
/// i32 filter count + i32 × count filters, i32 kernel, stride, padding;
/// version 4: in the convolutional block, i32 norm (0 none, 1 batch) after the padding; then for every model the
/// BatchNorms' running statistics, i32 count + f32 × count (0 without);
/// SHA-256 of every byte before it.
/// Files are written atomically, so a crash during a save leaves the previous checkpoint intact;
/// the checksum catches what atomicity cannot (disk errors, copies cut short, hand edits).
/// </summary>
public static class Checkpoint
{
    public const uint FormatVersion = 4;

    /// <summary>The oldest version this build still reads.</summary>
    public const uint OldestReadableVersion = 1;

    private const int ChecksumLength = SHA256.HashSizeInBytes;

    private static ReadOnlySpan<byte> Magic => "VAEGPUCK"u8;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Save(string path, CheckpointData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.AdamM.Length != data.Parameters.Length || data.AdamV.Length != data.Parameters.Length)
            throw new ArgumentException(
                $"Adam moments ({data.AdamM.Length}, {data.AdamV.Length}) do not match {data.Parameters.Length} parameters");
        VaeArchitecture a = data.Architecture;
        // Load rejects these, so writing them would only produce a file that cannot be resumed from.
        string? invalid = DescribeInvalid(a.InputSize, a.Hidden, a.Latent, a.Activation, a.Likelihood.Kind,
            a.Likelihood.Sigma, a.LogVarClamp.Min, a.LogVarClamp.Max, data.Epoch, data.Step);
        if (invalid is not null)
            throw new ArgumentException($"cannot save checkpoint: {invalid}");
        if (a.Conv is not null && DescribeInvalidConv(a) is { } badConv)
            throw new ArgumentException($"cannot save checkpoint: {badConv}");
        int statistics = a.Conv is null ? 0 : new VaeLayout(a).StatisticsCount;
        if (data.State.RunningStatistics.Length != statistics)
            throw new ArgumentException($"cannot save checkpoint: {data.State.RunningStatistics.Length} running statistics, the model has {statistics}");

        byte[] bytes = Serialize(data);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>The file's bytes, without Save's checks, so that tests can produce inconsistent files.</summary>
    internal static byte[] Serialize(CheckpointData data)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, StrictUtf8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);

            byte[] config = StrictUtf8.GetBytes(data.ConfigJson);
            writer.Write(config.Length);
            writer.Write(config);

            VaeArchitecture architecture = data.Architecture;
            writer.Write(architecture.InputSize);
            writer.Write(architecture.Hidden.Count);
            foreach (int width in architecture.Hidden)
                writer.Write(width);
            writer.Write(architecture.Latent);
            writer.Write((int)architecture.Activation);
            writer.Write((int)architecture.Likelihood.Kind);
            writer.Write(architecture.Likelihood.Sigma);
            writer.Write(architecture.LogVarClamp.Min);
            writer.Write(architecture.LogVarClamp.Max);

            writer.Write(data.Seed);
            writer.Write(data.Epoch);
            writer.Write(data.Step);

            WriteSingles(writer, data.Parameters);
            WriteSingles(writer, data.AdamM);
            WriteSingles(writer, data.AdamV);

            PartialEpoch? partial = data.Partial;
            writer.Write(partial?.StepsDone ?? 0);
            if (partial is not null)
            {
                writer.Write(partial.ExamplesDone);
                writer.Write(partial.Recon);
                writer.Write(partial.Kl);
                writer.Write(partial.Seconds);
            }

            ConvSpec? conv = architecture.Conv;
            writer.Write(conv is null ? 0 : 1);
            if (conv is not null)
            {
                writer.Write(conv.Height);
                writer.Write(conv.Width);
                writer.Write(conv.Channels);
                writer.Write(conv.Filters.Count);
                foreach (int filters in conv.Filters) writer.Write(filters);
                writer.Write(conv.Kernel);
                writer.Write(conv.Stride);
                writer.Write(conv.Padding);
                writer.Write((int)conv.Norm);
            }
            WriteSingles(writer, data.State.RunningStatistics);
        }

        byte[] checksum = SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        buffer.Write(checksum);
        return buffer.ToArray();
    }

    private static void WriteSingles(BinaryWriter writer, float[] values)
    {
        writer.Write(values.Length);
        if (BitConverter.IsLittleEndian)
        {
            writer.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            foreach (float value in values)
                writer.Write(value);
        }
    }

    /// <summary>Reads and validates a checkpoint; every problem with the file is a one-line <see cref="UserInputException"/> naming it.</summary>
    public static CheckpointData Load(string path)
    {
        byte[] bytes = ReadFile(path);

        // The magic is checked on whatever prefix exists, so that a short foreign file is reported
        // as foreign rather than as a truncated checkpoint.
        int magicPrefix = Math.Min(bytes.Length, Magic.Length);
        if (!bytes.AsSpan(0, magicPrefix).SequenceEqual(Magic[..magicPrefix]))
            throw new UserInputException($"{path}: not a VaeGpu checkpoint");

        var reader = new CheckpointReader(bytes, path);
        reader.ReadBytes(Magic.Length);
        uint version = reader.ReadUInt32();
        if (version < OldestReadableVersion || version > FormatVersion)
            throw new UserInputException(
                $"{path}: unsupported checkpoint format version {version} (this build reads versions {OldestReadableVersion} to {FormatVersion})");

        // Parsed before the checksum is checked: a file cut short shows up as running out of bytes,
        // which names the problem better than a checksum mismatch would.
        string configJson = Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadLength()));
        int inputSize = reader.ReadInt32();
        int[] hidden = reader.ReadInt32s(reader.ReadLength());
        int latent = reader.ReadInt32();
        var activation = (Activation)reader.ReadInt32();
        var likelihoodKind = (LikelihoodKind)reader.ReadInt32();
        float sigma = reader.ReadSingle();
        float logVarMin = reader.ReadSingle();
        float logVarMax = reader.ReadSingle();
        ulong seed = reader.ReadUInt64();
        int epoch = reader.ReadInt32();
        long step = reader.ReadInt64();
        float[] parameters = reader.ReadSingles(reader.ReadLength());
        float[] adamM = reader.ReadSingles(reader.ReadLength());
        float[] adamV = reader.ReadSingles(reader.ReadLength());
        PartialEpoch? partial = null;
        if (version >= 2 && reader.ReadInt32() is var stepsDone and not 0)
        {
            int examplesDone = reader.ReadInt32();
            double recon = reader.ReadDouble(), kl = reader.ReadDouble(), seconds = reader.ReadDouble();
            if (stepsDone < 0 || examplesDone <= 0 || !double.IsFinite(recon) || !double.IsFinite(kl) || !(seconds >= 0))
                throw new UserInputException($"{path}: invalid checkpoint: partial epoch of {stepsDone} steps, {examplesDone} images");
            partial = new PartialEpoch(epoch + 1, stepsDone, examplesDone, recon, kl, seconds);
        }
        ConvSpec? conv = null;
        if (version >= 3 && reader.ReadInt32() is var isConv and not 0)
        {
            int height = reader.ReadInt32(), width = reader.ReadInt32(), channels = reader.ReadInt32();
            int[] filters = reader.ReadInt32s(reader.ReadLength());
            int kernel = reader.ReadInt32(), stride = reader.ReadInt32(), padding = reader.ReadInt32();
            var norm = version >= 4 ? (ConvNorm)reader.ReadInt32() : ConvNorm.None;
            if (isConv != 1) throw new UserInputException($"{path}: invalid checkpoint: model kind {isConv}");
            if (!Enum.IsDefined(norm)) throw new UserInputException($"{path}: invalid checkpoint: norm kind {(int)norm}");
            conv = new ConvSpec(height, width, channels, filters, kernel, stride, padding) { Norm = norm };
        }
        float[] runningStatistics = version >= 4 ? reader.ReadSingles(reader.ReadLength()) : [];

        int dataLength = reader.Position;
        if (reader.Remaining < ChecksumLength)
            throw new UserInputException(
                $"{path}: truncated: {reader.Remaining} of the {ChecksumLength} checksum bytes present");
        if (reader.Remaining > ChecksumLength)
            throw new UserInputException(
                $"{path}: corrupt: {reader.Remaining - ChecksumLength} unexpected bytes after the checksum");
        if (!SHA256.HashData(bytes.AsSpan(0, dataLength)).AsSpan().SequenceEqual(bytes.AsSpan(dataLength)))
            throw new UserInputException($"{path}: corrupt: checksum mismatch");

        // From here on the bytes are what a writer wrote; what remains to catch is a writer's mistake.
        if (adamM.Length != parameters.Length || adamV.Length != parameters.Length)
            throw new UserInputException(
                $"{path}: inconsistent checkpoint: {parameters.Length} parameters but {adamM.Length} and " +
                $"{adamV.Length} Adam moments");
        string? invalid = DescribeInvalid(inputSize, hidden, latent, activation, likelihoodKind, sigma, logVarMin, logVarMax, epoch, step);
        if (invalid is not null)
            throw new UserInputException($"{path}: invalid checkpoint: {invalid}");

        var architecture = new VaeArchitecture(inputSize, hidden, latent, activation,
            new Likelihood(likelihoodKind, sigma), new LogVarClamp(logVarMin, logVarMax)) { Conv = conv };
        if (conv is not null && DescribeInvalidConv(architecture) is { } badConv)
            throw new UserInputException($"{path}: invalid checkpoint: {badConv}");
        int expectedStatistics = conv is null ? 0 : new VaeLayout(architecture).StatisticsCount;
        if (runningStatistics.Length != expectedStatistics)
            throw new UserInputException(
                $"{path}: inconsistent checkpoint: {runningStatistics.Length} running statistics, the model has {expectedStatistics}");
        return new CheckpointData(configJson, architecture, seed, epoch,
            new ModelState(parameters, adamM, adamV, step) { RunningStatistics = runningStatistics }, partial);
    }

    private static byte[] ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UserInputException($"{path}: checkpoint file not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{path}: cannot read checkpoint: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>Why a convolutional architecture cannot be laid out (sizes that do not fit), or null.</summary>
    private static string? DescribeInvalidConv(VaeArchitecture architecture)
    {
        try
        {
            _ = new VaeLayout(architecture);
            return null;
        }
        catch (ArgumentException e)
        {
            return $"{architecture.Conv}: {e.Message}";
        }
    }

    private static string? DescribeInvalid(int inputSize, IReadOnlyList<int> hidden, int latent, Activation activation,
        LikelihoodKind likelihoodKind, float sigma, float logVarMin, float logVarMax, int epoch, long step)
    {
        if (inputSize <= 0 || latent <= 0 || hidden.Any(width => width <= 0))
            return $"layer sizes {inputSize}, [{string.Join(", ", hidden)}], {latent} must be positive";
        if (!Enum.IsDefined(activation))
            return $"unknown activation {(int)activation}";
        if (!Enum.IsDefined(likelihoodKind))
            return $"unknown likelihood {(int)likelihoodKind}";
        if (likelihoodKind is LikelihoodKind.Gaussian or LikelihoodKind.GaussianLearned && !(sigma > 0f && float.IsFinite(sigma)))
            return $"Gaussian likelihood sigma {sigma} must be positive";
        if (!(logVarMin <= logVarMax))
            return $"logvar clamp [{logVarMin}, {logVarMax}] is empty";
        if (epoch < 0 || step < 0)
            return $"negative progress: epoch {epoch}, step {step}";
        return null;
    }

    /// <summary>Refuses to resume into a model of another shape: the parameters would be meaningless there.</summary>
    public static void EnsureCompatible(CheckpointData loaded, VaeArchitecture expected, string path)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(expected);
        if (loaded.Architecture.Equals(expected))
            return;

        string found = loaded.Architecture.ToString(), wanted = expected.ToString();
        // ToString leaves out sigma and the logvar clamp; show them when they are the whole difference.
        if (found == wanted)
        {
            found += Details(loaded.Architecture);
            wanted += Details(expected);
        }

        throw new UserInputException(
            $"{path}: the checkpoint's architecture {found} does not match the configured {wanted}");

        static string Details(VaeArchitecture a) =>
            $" (sigma {a.Likelihood.Sigma}, logvar clamp [{a.LogVarClamp.Min}, {a.LogVarClamp.Max}])";
    }
}
