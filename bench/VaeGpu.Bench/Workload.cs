using BenchmarkDotNet.Running;

namespace VaeGpu.Bench;

/// <summary>FLOPs and examples of one benchmark case, from its method name and parameters.</summary>
public readonly record struct Workload(double Flops, double Samples)
{
    public static Workload Of(BenchmarkCase benchmarkCase)
    {
        int Get(string name) => benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value is { } value
            ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        string? shape = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Shape")?.Value as string;
        int batch = Get("BatchSize");
        int hidden = Get("Hidden") is > 0 and var h ? h : 400;
        (int inFeatures, int outFeatures) = shape is null ? (0, 0) : Shapes.Parse(shape);
        string method = benchmarkCase.Descriptor.WorkloadMethod.Name;
        double gemm = 2.0 * batch * inFeatures * outFeatures;
        return method switch
        {
            "LinearForward" => new(gemm, 0),
            "LinearBackward" => new(2 * gemm, 0), // dW and dX (db is a column sum)
            "ElboOutput" => new(2.0 * batch * 400 * 784, 0),
            "TrainingStep" => new(3 * 2.0 * batch * Shapes.MacsPerExample(hidden), batch),
            _ => new(0, 0),
        };
    }
}

public static class Shapes
{
    /// <summary>Multiply-adds per example of one forward pass of 784-H-(2·20)|20-H-784.</summary>
    public static double MacsPerExample(int hidden) => 784.0 * hidden + hidden * 40.0 + 20.0 * hidden + hidden * 784.0;

    /// <summary>"784x400" → (784, 400): inFeatures × outFeatures.</summary>
    public static (int In, int Out) Parse(string shape)
    {
        string[] parts = shape.Split('x');
        return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
