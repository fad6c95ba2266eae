using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace VaeGpu.Bench;

/// <summary>
/// A short job (the kernels are deterministic and long-running; 3 warm-ups and 8 measured iterations
/// are plenty), Markdown (GitHub) export, and the throughput columns: GFLOP/s from the benchmark's
/// FLOP count, and samples/s for whole training steps.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(8).WithId("short"));
        AddColumnProvider(DefaultColumnProviders.Instance);
        AddColumn(new ThroughputColumn(ThroughputColumn.Kind.GflopsPerSecond), new ThroughputColumn(ThroughputColumn.Kind.SamplesPerSecond));
        AddExporter(MarkdownExporter.GitHub);
        AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default);
        WithOptions(ConfigOptions.JoinSummary | ConfigOptions.DisableLogFile);
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
    }
}

/// <summary>Work per invocation divided by the mean time: GFLOP/s, or samples/s for training steps.</summary>
public sealed class ThroughputColumn(ThroughputColumn.Kind kind) : IColumn
{
    public enum Kind { GflopsPerSecond, SamplesPerSecond }

    public string Id => $"{nameof(ThroughputColumn)}.{kind}";
    public string ColumnName => kind == Kind.GflopsPerSecond ? "GFLOP/s" : "samples/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => kind == Kind.GflopsPerSecond
        ? "Achieved GFLOP/s: 2·m·n·k per GEMM of the op (element-wise ops count their flops as 0 and show '-')"
        : "Training examples per second (whole training steps only)";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        BenchmarkReport? report = summary[benchmarkCase];
        double? nanoseconds = report?.ResultStatistics?.Mean;
        if (nanoseconds is not > 0) return "-";
        var work = Workload.Of(benchmarkCase);
        double amount = kind == Kind.GflopsPerSecond ? work.Flops : work.Samples;
        if (amount <= 0) return "-";
        double perSecond = amount / (nanoseconds.Value * 1e-9);
        return kind == Kind.GflopsPerSecond
            ? (perSecond / 1e9).ToString("F1", System.Globalization.CultureInfo.InvariantCulture)
            : perSecond.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
    }
}
