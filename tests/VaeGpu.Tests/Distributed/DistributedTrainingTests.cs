using System.Diagnostics;
using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Selection;
using VaeGpu.Data;
using VaeGpu.Io;
using VaeGpu.MpiRank;
using VaeGpu.Tests.Training;

namespace VaeGpu.Tests.Distributed;

/// <summary>
/// Issue 23's promise with real processes: `mpirun -np N` (Open MPI, one rank per shard, tests/VaeGpu.MpiRank) trains
/// the same parameters, Adam moments and losses as one process with Distributed:Shards = N, bit for bit, on cpu and
/// ilgpu-cpu, short last batches included (one whose last shards are empty too). Skips, saying why, where Open MPI's
/// mpirun is not installed (.ci/run installs openmpi-bin).
/// </summary>
public sealed class DistributedTrainingTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("cpu", 2, 290, 40, "")] // 7 batches of 40 (shards of 20), then 10 rows: the second shard empty
    [InlineData("cpu", 3, 290, 30, "")] // 9 batches of 30 (shards of 10), then 20 rows: the third rank's shard empty
    [InlineData("ilgpu-cpu", 2, 130, 40, "")]
    [InlineData("cpu", 3, 290, 30, "stop=2@13")] // a stop that only the last rank sees, in the second epoch: every rank stops after step 13
    public async Task Mpirun_with_n_ranks_trains_what_one_process_with_n_shards_trains_bit_for_bit(string device, int ranks, int images, int batch,
        string option)
    {
        string? mpirun = FindMpirun();
        Assert.SkipWhen(mpirun is null, "Open MPI's mpirun is not installed (apt-get install openmpi-bin)");
        const int epochs = 2;
        string output = _temp.File("rank0.bin");
        string rankProgram = typeof(DistributedTestRun).Assembly.Location;
        var start = new ProcessStartInfo(mpirun!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Root in CI and containers; more ranks than cores on a 2-core machine.
        foreach (string arg in new[] { "--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(), "dotnet", rankProgram,
                     device, epochs.ToString(), images.ToString(), batch.ToString(), output, option })
            if (arg.Length > 0) start.ArgumentList.Add(arg);
        using (Process process = Process.Start(start)!)
        {
            CancellationToken cancel = TestContext.Current.CancellationToken;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancel), stderr = process.StandardError.ReadToEndAsync(cancel);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(TimeSpan.FromMinutes(3));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("mpirun did not finish in 3 minutes (a rank waiting in an exchange that another rank left?)");
            }
            Assert.True(process.ExitCode == 0, $"mpirun exited with {process.ExitCode}: {await stderr}{await stdout}");
        }
        RunResult distributed = RunResult.Read(output);

        (IAccelerator accelerator, _) = AcceleratorFactory.Create(DeviceRequest.Parse(device, "device"));
        RunResult alone;
        using (accelerator)
            alone = DistributedTestRun.Train(accelerator, DistributedTestRun.Settings(epochs, batch, shards: ranks),
                TrainingFixtures.EmbeddedData.Train.Slice(0, images), exchange: null,
                stopAfterStep: option.StartsWith("stop=", StringComparison.Ordinal) ? long.Parse(option.Split('@')[1]) : 0);
        if (option.Length > 0) Assert.Equal(13, alone.Step);

        Assert.Equal(alone.Step, distributed.Step);
        Assert.Equal(Bits(alone.Parameters), Bits(distributed.Parameters));
        Assert.Equal(Bits(alone.AdamM), Bits(distributed.AdamM));
        Assert.Equal(Bits(alone.AdamV), Bits(distributed.AdamV));
        Assert.Equal(alone.Losses, distributed.Losses);
    }

    private static string? FindMpirun() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "mpirun")).FirstOrDefault(File.Exists);

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
