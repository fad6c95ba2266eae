using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using VaeGpu.Configuration;
using VaeGpu.Data;
using VaeGpu.Io;
using VaeGpu.Tests.Accelerators.Ilgpu;
using VaeGpu.Tests.Configuration;
using VaeGpu.Tests.Data;
using VaeGpu.Tests.Io;
using VaeGpu.Tests.Training;
using VaeGpu.Accelerators;
using VaeGpu.Io.Checkpoints;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// The design's promise of the same bits, end to end through `train`: every ILGPU device (ilgpu-cpu;
/// OpenCL where present, PoCL 6 in CI) writes `cpu`'s metrics.csv losses, its PNGs byte for byte, and its
/// parameters and both Adam moments bit for bit, for op-by-op and fused steps and both GEMM versions.
/// `cpu` takes the widest SIMD path this process has; CI runs this class again with
/// DOTNET_EnableAVX512=0 and with DOTNET_EnableAVX2=0 (.ci/run), so the AVX-512, AVX2 and scalar CPU
/// paths are each held to the same device bits, and so to each other.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which other tests set
[Trait("CpuPaths", "all")] // .ci/run runs these again on the AVX2 and the scalar CPU paths
public sealed class SameBitsOnEveryPathTests : IDisposable
{
    // 650 real images: six batches of 100 and a short one of 50 per epoch; two epochs, so Adam carries over.
    private const int TrainImages = 650, TestImages = 150;

    private static readonly Dictionary<string, string[]> Models = new(StringComparer.Ordinal)
    {
        // The default likelihood and activation: the Bernoulli loss's vector epilogue, sigmoid images.
        ["relu-bernoulli"] = ["--hidden", "16", "--latent", "4"],
        // Tanh layers and the scalar Gaussian loss; two hidden layers of odd widths (partial GEMM tiles).
        ["tanh-gaussian"] = ["--hidden", "19,13", "--latent", "3", "--activation", "tanh", "--likelihood", "gaussian", "--Model:GaussianSigma=1"],
    };

    private readonly TempDirectory _temp = new();
    private readonly CliHarness _cli = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string, string, int> Cases
    {
        get
        {
            var data = new TheoryData<string, string, int>();
            string openCl = IlgpuTestDevice.OpenCl.ToString();
            data.Add("relu-bernoulli", "ilgpu-cpu", 1);
            data.Add("relu-bernoulli", "ilgpu-cpu", 2);
            data.Add("relu-bernoulli", openCl, 1);
            data.Add("relu-bernoulli", openCl, 2);
            data.Add("tanh-gaussian", "ilgpu-cpu", 1);
            data.Add("tanh-gaussian", openCl, 2);
            return data;
        }
    }

    /// <param name="kernels">1: op-by-op step with the 4×4 GEMMs; 2: the fused step with the 8×8 GEMMs.</param>
    [Theory]
    [MemberData(nameof(Cases))]
    public void A_device_writes_the_cpu_runs_losses_images_and_parameters_bit_for_bit(string model, string device, int kernels)
    {
        string? skip = IlgpuTestDevice.SkipReason(DeviceRequest.Parse(device));
        Assert.SkipWhen(skip is not null, skip ?? "");
        string data = DataDirectory();

        string expected = Train("cpu", data, model, "cpu", kernels: 1);
        string actual = Train("device", data, model, device, kernels);

        TestContext.Current.SendDiagnosticMessage($"cpu took {CpuPath()} against {device} with kernels {kernels}");
        var cpu = new RunDirectory(expected);
        var other = new RunDirectory(actual);
        IReadOnlyList<EpochMetrics> cpuMetrics = MetricsCsv.Read(cpu.Metrics), deviceMetrics = MetricsCsv.Read(other.Metrics);
        Assert.Equal(2, cpuMetrics.Count);
        Assert.Equal(Losses(cpuMetrics), Losses(deviceMetrics));
        CheckpointData a = Checkpoint.Load(cpu.Checkpoint), b = Checkpoint.Load(other.Checkpoint);
        Assert.Equal(a.Step, b.Step);
        AssertBits(a.Parameters, b.Parameters, "parameters");
        AssertBits(a.AdamM, b.AdamM, "Adam m");
        AssertBits(a.AdamV, b.AdamV, "Adam v");
        AssertSamePixels(cpu.Samples, other.Samples);
        AssertSamePixels(cpu.Reconstructions, other.Reconstructions);
    }

    private string Train(string name, string data, string model, string device, int kernels)
    {
        string run = _temp.File(name);
        string[] versions = kernels == 1 ? [] : ["--Kernels:Linear=2", "--Kernels:Elbo=2", "--Kernels:Step=2"];
        int code = _cli.Run(["train", "--data", data, .. Models[model], "--batch-size", "100", "--epochs", "2", "--seed", "5",
            "--device", device, "--out", run, .. versions]);
        Assert.True(code == 0, _cli.Error);
        return run;
    }

    /// <summary>The first images of the embedded Fashion-MNIST copy as an IDX data directory.</summary>
    private string DataDirectory()
    {
        string directory = _temp.File("data");
        Directory.CreateDirectory(directory);
        DataSplit embedded = TrainingFixtures.EmbeddedData;
        Write(Path.Combine(directory, "train-images-idx3-ubyte"), embedded.Train.Slice(0, TrainImages));
        Write(Path.Combine(directory, "t10k-images-idx3-ubyte"), embedded.Test.Slice(0, TestImages));
        return directory;
    }

    private static void Write(string path, ImageSet images) =>
        File.WriteAllBytes(path, IdxBytes.Images(images.Pixels[..(images.Count * images.PixelsPerImage)], images.Count, images.ImageRows, images.ImageCols));

    /// <summary>Every loss column of metrics.csv (not the timings), as exact bits.</summary>
    private static long[] Losses(IEnumerable<EpochMetrics> rows) =>
        rows.SelectMany(m => new[] { m.TrainLoss, m.TestLoss, m.TestRecon, m.TestKl }).Select(BitConverter.DoubleToInt64Bits).ToArray();

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int differing = expected.Zip(actual, (x, y) => BitConverter.SingleToInt32Bits(x) != BitConverter.SingleToInt32Bits(y)).Count(d => d);
        Assert.True(differing == 0, $"{differing} of {expected.Length} {what} differ from cpu's");
    }

    /// <summary>The same pixels (first, for a message that says where), then the same PNG bytes.</summary>
    private static void AssertSamePixels(string expected, string actual)
    {
        PngReader.Decoded a = PngReader.Decode(File.ReadAllBytes(expected)), b = PngReader.Decode(File.ReadAllBytes(actual));
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        int differing = a.Pixels.Zip(b.Pixels, (x, y) => x != y).Count(d => d);
        Assert.True(differing == 0, $"{Path.GetFileName(expected)}: {differing} of {a.Pixels.Length} bytes of pixels differ from cpu's");
        Assert.Equal(File.ReadAllBytes(expected), File.ReadAllBytes(actual));
    }

    private static string CpuPath() =>
        Vector512.IsHardwareAccelerated ? "the AVX-512 path" : Avx2.IsSupported ? "the AVX2 path" : "the scalar path";
}
