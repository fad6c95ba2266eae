using BenchmarkDotNet.Running;

namespace VaeGpu.Bench;

/// <summary>
/// FLOPs and examples of one benchmark case, from its parameters and the benchmark class's own count
/// (each class derives its shapes from the model layout or its Shape parameter, never from literals here).
/// </summary>
public readonly record struct Workload(double Flops, double Samples)
{
    public static Workload Of(BenchmarkCase benchmarkCase)
    {
        int? Get(string name) => benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value is { } value
            ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) : null;
        int batch = Get(nameof(LinearBenchmarks.BatchSize)) ?? 0;
        Type type = benchmarkCase.Descriptor.Type;
        string method = benchmarkCase.Descriptor.WorkloadMethod.Name;
        if (type == typeof(LinearBenchmarks))
        {
            string shape = (string)benchmarkCase.Parameters.Items.Single(p => p.Name == nameof(LinearBenchmarks.Shape)).Value;
            return new(LinearBenchmarks.Flops(method, batch, shape), 0);
        }
        if (type == typeof(ConvBenchmarks))
        {
            string layer = (string)benchmarkCase.Parameters.Items.Single(p => p.Name == nameof(ConvBenchmarks.Layer)).Value;
            return new(ConvBenchmarks.Flops(method, layer, batch), 0);
        }
        if (type == typeof(ElboOutputBenchmarks)) return new(ElboOutputBenchmarks.Flops(batch), 0);
        if (type == typeof(TrainingStepBenchmarks) || type == typeof(ScalingBenchmarks))
            return new(TrainingStepBenchmarks.Flops(batch, Get(nameof(ScalingBenchmarks.Hidden))), batch);
        return new(0, 0); // element-wise ops: no FLOP count, the column shows '-'
    }
}

/// <summary>"784x400" → (784, 400): inFeatures × outFeatures.</summary>
public static class Shapes
{
    public static (int In, int Out) Parse(string shape)
    {
        string[] parts = shape.Split('x');
        return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
