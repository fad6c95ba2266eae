using BenchmarkDotNet.Running;

namespace VaeGpu.Bench;

/// <summary>
/// dotnet run -c Release --project bench/VaeGpu.Bench -- --filter '*'   (all benchmarks; long)
/// dotnet run -c Release --project bench/VaeGpu.Bench -- --filter '*TrainingStep*'
/// Results (Markdown among them) land in BenchmarkDotNet.Artifacts/results.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new BenchConfig());
}
