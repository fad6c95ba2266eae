using System.Globalization;
using System.Text.Json;
using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Benchmarks;
using VaeGpu.Cli.Devices;
using VaeGpu.Configuration;
using VaeGpu.Data;
using VaeGpu.Kernels;
using VaeGpu.Model;
using VaeGpu.Accelerators.Selection;

namespace VaeGpu.Cli.Commands;

/// <summary>
/// "bench": a quick throughput table for every accelerator present (the CPU once per GEMM version):
/// training samples/s and step time of the default model at batch 128 and 1024 (each ILGPU device also
/// with the fused step, Kernels:Step=2, beside its default), and LinearForward
/// GFLOP/s at 128×784→400 and 4096×1024→1024, each next to OpenBLAS's cblas_sgemm at the same shape
/// when libopenblas.so.0 loads (the ceiling reference, never a code path of the trainer). Workloads
/// are timed in interleaved rounds and each figure is the best round; --json also writes them.
/// --kernels times every numbered version of the GEMM kernels side by side instead (LinearForward
/// and ElboOutput at each shape: the CPU GEMM versions, and each ILGPU device once per version).
/// --profile shows where a training step's time goes instead: each op's share of a step of the
/// default model at batch 128, per accelerator (<see cref="ProfilingAccelerator"/>).
/// </summary>
public sealed class BenchCommand(CliConsole console) : ICommand
{
    public const string Usage = "bench [--device auto|cpu|cuda|opencl|ilgpu-cpu] [--kernels | --profile] [--seconds N] [--json [FILE]]";

    private static readonly int[] TrainBatches = [128, 1024];
    private static readonly (int Rows, int In, int Out)[] ForwardShapes = [(128, 784, 400), (4096, 1024, 1024)];
    private static readonly (int Rows, int Hidden, int Out)[] ElboShapes = [(128, 400, 784), (1024, 400, 784)];
    private const int Rounds = 5;

    /// <summary>The conv model's step at the batch of the issue's PyTorch comparison.</summary>
    private const int ConvTrainBatch = 128;

    /// <summary>The default conv model's layers at batch 128: its two Conv2d and two ConvTranspose2d shapes.</summary>
    private static IEnumerable<(ConvShape Shape, bool Transposed)> ConvShapes()
    {
        var layout = new Model.VaeLayout(TrainingStepRunner.DefaultConvArchitecture());
        foreach (Model.ConvLayer layer in layout.EncoderConvs.Concat(layout.DecoderConvs))
            yield return (layer.Shape(ConvTrainBatch), layer.Transposed);
    }

    public string Name => "bench";

    public string Summary => $"Quick throughput table per accelerator, with OpenBLAS as the ceiling ({Usage}).";

    public Configuration.CommandSwitches Switches => Configuration.CommandSwitches.Bench;

    public int Run(string[] args)
    {
        (string? device, double seconds, bool json, string? jsonFile, bool kernels, bool profile) = Parse(args);
        DataSplit data = DataLocator.Resolve(null);
        if (data.Notice is not null) console.Error.WriteLine($"note: {data.Notice}");
        if (profile) return Profile(device, seconds, data);

        var timer = new BenchTimer();
        var disposables = new List<IDisposable>();
        var rows = new List<Row>();
        try
        {
            foreach ((string label, IAccelerator accelerator) in Accelerators(device, kernels))
            {
                disposables.Add(accelerator);
                string description = accelerator switch
                {
                    CpuAccelerator cpu => cpu.KernelDescription,
                    Accelerators.Ilgpu.IlgpuAccelerator ilgpu => ilgpu.KernelDescription,
                    _ => accelerator.Name,
                };
                // The MLP at every batch size, the conv model and the conv model with BatchNorm (Model:Norm = batch) at one.
                foreach ((int batch, string model) in kernels ? [] :
                    TrainBatches.Select(b => (b, "mlp")).Append((ConvTrainBatch, "conv")).Append((ConvTrainBatch, "conv+bn")))
                {
                    Model.VaeArchitecture architecture = model switch
                    {
                        "conv" => TrainingStepRunner.DefaultConvArchitecture(),
                        "conv+bn" => TrainingStepRunner.DefaultConvArchitecture(norm: Model.ConvNorm.Batch),
                        _ => TrainingStepRunner.DefaultArchitecture(),
                    };
                    var steps = new TrainingStepRunner(accelerator, architecture, data.Train, batch);
                    disposables.Add(steps);
                    string shape = model == "mlp" ? $"batch {batch}" : $"{model} {batch}";
                    string name = $"{label}|train|{shape}";
                    timer.Add(name, steps.Run);
                    rows.Add(new Row(name, label, accelerator.Name, description, "train", shape, steps.FlopsPerStep, batch)
                    {
                        Launches = steps.KernelLaunchesPerStep is { } launches
                            ? steps.Captures ? $"{launches} (1 graph)" : $"{launches}"
                            : "-",
                    });
                }
                foreach ((int r, int i, int o) in ForwardShapes)
                {
                    var forward = new LinearForwardRunner(accelerator, r, i, o);
                    disposables.Add(forward);
                    string name = $"{label}|forward|{forward.Shape}";
                    timer.Add(name, forward.Run);
                    rows.Add(new Row(name, label, accelerator.Name, description, "LinearForward", forward.Shape, forward.Flops, 0));
                }
                foreach ((ConvShape shape, bool transposed) in kernels ? ConvShapes() : [])
                {
                    var conv = new ConvRunner(accelerator, shape, transposed);
                    disposables.Add(conv);
                    string name = $"{label}|conv|{conv.Op}|{conv.Shape}";
                    timer.Add(name, conv.Run);
                    rows.Add(new Row(name, label, accelerator.Name, description, conv.Op, conv.Shape, conv.Flops, 0));
                }
                foreach ((int r, int h, int o) in kernels ? ElboShapes : [])
                {
                    var elbo = new ElboOutputRunner(accelerator, r, h, o);
                    disposables.Add(elbo);
                    string name = $"{label}|elbo|{elbo.Shape}";
                    timer.Add(name, elbo.Run);
                    rows.Add(new Row(name, label, accelerator.Name, description, "ElboOutput", elbo.Shape, elbo.Flops, 0));
                }
            }
            OpenBlasSgemm? blas = OpenBlasSgemm.TryLoad(out string? whyNoBlas);
            if (blas is not null)
            {
                disposables.Add(blas);
                foreach ((int r, int i, int o) in ForwardShapes)
                {
                    var sgemm = OpenBlasSgemm.TryLoad(out _)!;
                    disposables.Add(sgemm);
                    sgemm.Prepare(r, i, o);
                    string shape = $"{r}×{i}→{o}";
                    string name = $"openblas|sgemm|{shape}";
                    timer.Add(name, sgemm.Run);
                    rows.Add(new Row(name, "openblas", "OpenBLAS cblas_sgemm", blas.Version ?? "", "sgemm", shape, sgemm.Flops, 0));
                }
            }
            else console.Error.WriteLine($"note: no OpenBLAS reference: {whyNoBlas}");

            // Every workload gets the same share of the time: Rounds slices each.
            double slice = seconds / Rounds / Math.Max(1, rows.Count);
            IReadOnlyList<BenchResult> results = timer.Run(Rounds, slice);
            foreach (BenchResult result in results)
            {
                Row row = rows.Single(x => x.Key == result.Name);
                row.Best = result.BestSeconds;
                row.Median = result.MedianSeconds;
            }
            foreach (Row row in rows.Where(x => x.Kind == "LinearForward"))
            {
                Row? reference = rows.FirstOrDefault(x => x.Kind == "sgemm" && x.Shape == row.Shape);
                if (reference is not null) row.RatioToOpenBlas = reference.Best / row.Best;
            }

            string machine = $"{Environment.ProcessorCount} logical processors, {DeviceProbe.SimdLevel()}, " +
                             $".NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
            if (json && jsonFile is null)
                console.Out.WriteLine(ToJson(rows, machine, data.Description, seconds));
            else
                WriteTable(rows, machine, data.Description);
            if (jsonFile is not null)
                File.WriteAllText(jsonFile, ToJson(rows, machine, data.Description, seconds) + "\n");
        }
        finally
        {
            for (int i = disposables.Count - 1; i >= 0; i--) disposables[i].Dispose();
        }
        return CliApp.Success;
    }

    private static (string? Device, double Seconds, bool Json, string? JsonFile, bool Kernels, bool Profile) Parse(string[] args)
    {
        string? device = null, jsonFile = null;
        double seconds = 20;
        bool json = false, kernels = false, profile = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string? Value()
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new UserInputException($"bench: {arg} needs a value ({Usage})");
                return args[++i];
            }
            switch (arg.ToLowerInvariant())
            {
                case "--device":
                    device = Value();
                    DeviceRequest.Parse(device);
                    break;
                case "--seconds":
                    string text = Value()!;
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) ||
                        !(seconds > 0) || seconds > 3600)
                        throw new UserInputException($"bench: --seconds must be a number of seconds in (0, 3600], got '{text}'");
                    break;
                case "--kernels":
                    kernels = true;
                    break;
                case "--profile":
                    profile = true;
                    break;
                case "--json":
                    json = true;
                    if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) jsonFile = args[++i];
                    break;
                default:
                    throw new UserInputException($"bench: unknown argument '{arg}'{Configuration.Suggestions.DidYouMean(arg, Configuration.CommandSwitches.Bench.Names)} ({Usage})");
            }
        }
        if (kernels && profile) throw new UserInputException($"bench: --kernels and --profile do not go together ({Usage})");
        if (profile && json) throw new UserInputException($"bench: --profile prints a table, not JSON ({Usage})");
        return (device, seconds, json, jsonFile, kernels, profile);
    }

    /// <summary>
    /// The accelerators to bench: the one asked for, or every usable one but ilgpu-cpu (one OS thread
    /// per lane: minutes per figure at these shapes; ask for it by name); the CPU once per GEMM version.
    /// </summary>
    private static IEnumerable<(string Label, IAccelerator Accelerator)> Accelerators(string? device, bool everyKernelVersion)
    {
        IEnumerable<string> names = device is null || DeviceRequest.Parse(device).Kind == DeviceKind.Auto
            ? DeviceProbe.Probe().Where(d => d.Usable && d.Name != "ilgpu-cpu").Select(d => d.Name)
            : [device];
        foreach (string name in names)
        {
            DeviceRequest request = DeviceRequest.Parse(name);
            if (request.Kind == DeviceKind.Cpu)
            {
                for (int version = CpuAccelerator.LatestGemmVersion; version >= 1; version--)
                    yield return ($"cpu gemm v{version}", new CpuAccelerator(gemmVersion: version));
                continue;
            }
            if (!everyKernelVersion)
            {
                (IAccelerator accelerator, _) = AcceleratorFactory.Create(request);
                yield return (name, accelerator);
                // The fused step beside the op-by-op one, so that one run shows which wins (launches and step time).
                (IAccelerator fused, _) = AcceleratorFactory.Create(request,
                    KernelChoice.Default with { Device = KernelVersions.Default with { Step = KernelVersions.LatestStep } });
                yield return ($"{name} step v{KernelVersions.LatestStep}", fused);
                continue;
            }
            for (int version = 1; version <= Math.Max(KernelVersions.LatestLinear, KernelVersions.LatestElbo); version++)
            {
                var versions = new KernelVersions(Math.Min(version, KernelVersions.LatestLinear), Math.Min(version, KernelVersions.LatestElbo));
                (IAccelerator accelerator, _) = AcceleratorFactory.Create(request, KernelChoice.Default with { Device = versions });
                yield return ($"{name} kernels v{version}", accelerator);
            }
        }
    }

    /// <summary>
    /// --profile: each op's time per step at batch 128 of the default model and of the default conv model, for
    /// <paramref name="seconds"/> per model and accelerator.
    /// </summary>
    private int Profile(string? device, double seconds, DataSplit data)
    {
        const int batch = 128;
        TextWriter o = console.Out;
        o.WriteLine($"data: {data.Description}; batch {batch}");
        o.WriteLine("each op waits for the device before the next (Synchronize), so on a GPU read the shares, not the sum");
        var models = new[]
        {
            ("default model 784-400-20-400-784 relu bernoulli", TrainingStepRunner.DefaultArchitecture()),
            ("conv model 28×28×1, channels 32,64, latent 20", TrainingStepRunner.DefaultConvArchitecture()),
            ("conv model with BatchNorm (Model:Norm = batch)", TrainingStepRunner.DefaultConvArchitecture(norm: Model.ConvNorm.Batch)),
        };
        foreach ((string label, IAccelerator accelerator) in Accelerators(device, everyKernelVersion: false))
        {
        // One wrapper per accelerator: disposing it disposes the accelerator.
        using var profiling = new ProfilingAccelerator(accelerator);
        foreach ((string model, VaeArchitecture architecture) in models)
        {
            using var steps = new TrainingStepRunner(profiling, architecture, data.Train, batch);
            steps.Run(3);
            profiling.Reset();
            int count = 0;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds || count < 10)
            {
                steps.Run(5);
                count += 5;
            }
            double stepSeconds = clock.Elapsed.TotalSeconds / count;
            var totals = profiling.Totals;
            double opSeconds = totals.Sum(t => t.Seconds) / count;
            o.WriteLine();
            o.WriteLine($"{label}, {model}: {accelerator.Name}; {count} steps, {F(stepSeconds * 1e3, "F3")} ms a step " +
                        $"({F(batch / stepSeconds, "N0")} samples/s profiled; the ops add up to {F(opSeconds * 1e3, "F3")} ms)");
            int width = Math.Max(34, totals.Max(t => t.Op.Length));
            o.WriteLine($"  {"op".PadRight(width)} {"ms/step",9} {"share",6} {"calls/step",10}");
            foreach ((string op, double total, long calls) in totals)
                o.WriteLine($"  {op.PadRight(width)} {F(total / count * 1e3, "F3"),9} {F(total / count / opSeconds * 100, "F1"),5}% {F(calls / (double)count, "F0"),10}");
        }
        }
        return CliApp.Success;
    }

    private void WriteTable(List<Row> rows, string machine, string data)
    {
        TextWriter o = console.Out;
        o.WriteLine($"machine: {machine}");
        o.WriteLine($"data: {data}; default model 784-400-20-400-784 relu bernoulli, Adam 1e-3");
        foreach (IGrouping<string, Row> group in rows.Where(r => r.Kind != "sgemm").GroupBy(r => r.Label))
        {
            Row first = group.First();
            // The device accelerators' kernels are their device: say it once.
            o.WriteLine(first.Kernels == first.Device ? $"{group.Key}: {first.Device}" : $"{group.Key}: {first.Device}, {first.Kernels}");
        }
        Row? anyBlas = rows.FirstOrDefault(r => r.Kind == "sgemm");
        if (anyBlas is not null) o.WriteLine($"openblas: {anyBlas.Kernels}");
        o.WriteLine($"figures: best of {Rounds} interleaved rounds (median in parentheses)");
        int width = Math.Max(14, rows.Max(r => r.Label.Length));
        if (rows.Any(r => r.Kind == "train"))
        {
            o.WriteLine();
            o.WriteLine($"{"accelerator".PadRight(width)} {"training",-11} {"step ms",18} {"samples/s",20} {"GFLOP/s",8}  launches/step");
        }
        foreach (Row row in rows.Where(r => r.Kind == "train"))
            o.WriteLine($"{row.Label.PadRight(width)} {row.Shape,-11} {F(row.Best * 1e3, "F3"),8} ({F(row.Median * 1e3, "F3"),7}) " +
                        $"{F(row.Batch / row.Best, "N0"),9} ({F(row.Batch / row.Median, "N0"),8}) {F(row.Flops / row.Best / 1e9, "F1"),8}  {row.Launches}");
        o.WriteLine();
        o.WriteLine($"{"accelerator".PadRight(width)} {"LinearForward",-16} {"GFLOP/s",18} {"OpenBLAS",9} {"ratio",6}");
        foreach (Row row in rows.Where(r => r.Kind == "LinearForward"))
        {
            Row? blas = rows.FirstOrDefault(x => x.Kind == "sgemm" && x.Shape == row.Shape);
            o.WriteLine($"{row.Label.PadRight(width)} {row.Shape,-16} {F(row.Flops / row.Best / 1e9, "F1"),8} ({F(row.Flops / row.Median / 1e9, "F1"),7}) " +
                        $"{(blas is null ? "-" : F(blas.Flops / blas.Best / 1e9, "F1")),9} " +
                        $"{(row.RatioToOpenBlas is { } ratio ? F(ratio * 100, "F0") + "%" : "-"),6}");
        }
        if (rows.Any(r => r.Kind.StartsWith("Conv", StringComparison.Ordinal)))
        {
            o.WriteLine();
            o.WriteLine($"{"accelerator".PadRight(width)} {"convolution",-48} {"GFLOP/s",18}");
            foreach (Row row in rows.Where(r => r.Kind.StartsWith("Conv", StringComparison.Ordinal)))
                o.WriteLine($"{row.Label.PadRight(width)} {(row.Kind + " " + row.Shape),-48} {F(row.Flops / row.Best / 1e9, "F1"),8} ({F(row.Flops / row.Median / 1e9, "F1"),7})");
        }
        if (rows.Any(r => r.Kind == "ElboOutput"))
        {
            o.WriteLine();
            o.WriteLine($"{"accelerator".PadRight(width)} {"ElboOutput",-16} {"GFLOP/s",18}");
            foreach (Row row in rows.Where(r => r.Kind == "ElboOutput"))
                o.WriteLine($"{row.Label.PadRight(width)} {row.Shape,-16} {F(row.Flops / row.Best / 1e9, "F1"),8} ({F(row.Flops / row.Median / 1e9, "F1"),7})");
        }
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string ToJson(List<Row> rows, string machine, string data, double seconds) =>
        JsonSerializer.Serialize(new
        {
            machine,
            data,
            seconds,
            rounds = Rounds,
            date = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            results = rows.Select(r => new
            {
                accelerator = r.Label,
                device = r.Device,
                kernels = r.Kernels,
                kind = r.Kind,
                shape = r.Shape,
                batch = r.Batch == 0 ? (int?)null : r.Batch,
                best_seconds = r.Best,
                median_seconds = r.Median,
                gflops = r.Flops / r.Best / 1e9,
                gflops_median = r.Flops / r.Median / 1e9,
                samples_per_s = r.Batch == 0 ? (double?)null : r.Batch / r.Best,
                samples_per_s_median = r.Batch == 0 ? (double?)null : r.Batch / r.Median,
                launches_per_step = r.Kind == "train" ? r.Launches : null,
                ratio_to_openblas = r.RatioToOpenBlas,
            }),
        }, new JsonSerializerOptions { WriteIndented = true });

    private sealed class Row(string key, string label, string device, string kernels, string kind, string shape, double flops, int batch)
    {
        public string Key { get; } = key;
        public string Label { get; } = label;
        public string Device { get; } = device;
        public string Kernels { get; } = kernels;
        public string Kind { get; } = kind;
        public string Shape { get; } = shape;
        public double Flops { get; } = flops;
        public int Batch { get; } = batch;
        public double Best { get; set; }
        public double Median { get; set; }
        public double? RatioToOpenBlas { get; set; }

        /// <summary>Kernel launches per training step ("24 (1 graph)" when replayed as a CUDA graph), "-" on the CPU.</summary>
        public string Launches { get; init; } = "-";
    }
}
