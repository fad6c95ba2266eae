using System.Diagnostics;

namespace VaeGpu.Benchmarks;

/// <summary>
/// Times several workloads side by side: each round gives every workload one slice of time, in
/// turn, so that a busy neighbour on the machine slows them all alike. Each workload's figure is
/// the best slice (the least disturbed one); the median is kept too.
/// </summary>
public sealed class BenchTimer
{
    /// <summary>The pause before each slice (at most the slice's own length).</summary>
    public const double SettleSeconds = 0.15;

    private readonly List<Entry> _entries = [];

    /// <summary>Adds a workload; <paramref name="run"/>(n) runs it n times and returns when the work is done.</summary>
    public void Add(string name, Action<int> run) => _entries.Add(new Entry(name, run));

    /// <summary>Warm-up and calibration, then <paramref name="rounds"/> rounds of slices of <paramref name="sliceSeconds"/>.</summary>
    public IReadOnlyList<BenchResult> Run(int rounds, double sliceSeconds)
    {
        foreach (Entry entry in _entries)
        {
            entry.Run(1);
            double once = Seconds(entry.Run, 1);
            entry.Iterations = Math.Max(1, (int)(sliceSeconds / Math.Max(once, 1e-7)));
        }
        // A pause before each slice lets the previous workload's threads go idle: OpenBLAS's pthreads
        // busy-wait for about 2^28 cycles (0.1 s) after a call, and a slice that starts meanwhile
        // shares the cores with them (on 2 vCPUs that halved some training slices).
        TimeSpan settle = TimeSpan.FromSeconds(Math.Min(SettleSeconds, sliceSeconds));
        for (int round = 0; round < rounds; round++)
            foreach (Entry entry in _entries)
            {
                Thread.Sleep(settle);
                entry.Samples.Add(Seconds(entry.Run, entry.Iterations) / entry.Iterations);
            }
        return [.. _entries.Select(e =>
        {
            double[] sorted = [.. e.Samples.Order()];
            return new BenchResult(e.Name, sorted[0], sorted[sorted.Length / 2], e.Iterations * rounds);
        })];
    }

    private static double Seconds(Action<int> run, int iterations)
    {
        long start = Stopwatch.GetTimestamp();
        run(iterations);
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private sealed class Entry(string name, Action<int> run)
    {
        public string Name { get; } = name;
        public Action<int> Run { get; } = run;
        public int Iterations { get; set; }
        public List<double> Samples { get; } = [];
    }
}

/// <param name="BestSeconds">Seconds per iteration in the fastest slice.</param>
/// <param name="MedianSeconds">Seconds per iteration, median over the slices.</param>
public sealed record BenchResult(string Name, double BestSeconds, double MedianSeconds, int Iterations);
