using System.Diagnostics;
using VaeGpu.Accelerators;

namespace VaeGpu.Benchmarks;

/// <summary>
/// Where a training step's time goes: wraps an accelerator, waits for each op to finish
/// (Synchronize: a no-op on the CPU, whose ops are synchronous) and adds its wall time to a per-op
/// total. LinearForward, LinearBackward and ElboOutput are split by shape, so each layer is a line.
/// The waiting makes the step slower on a device than it is: the shares are what to read there.
/// </summary>
public sealed class ProfilingAccelerator(IAccelerator inner) : ForwardingAccelerator(inner)
{
    private readonly Dictionary<string, (long Ticks, long Calls)> _totals = [];

    /// <summary>(op, seconds, calls) per op and shape, the most expensive first.</summary>
    public IReadOnlyList<(string Op, double Seconds, long Calls)> Totals =>
        _totals.OrderByDescending(t => t.Value.Ticks)
            .Select(t => (t.Key, t.Value.Ticks / (double)Stopwatch.Frequency, t.Value.Calls)).ToList();

    public void Reset() => _totals.Clear();

    protected override void Op(string name, Action call)
    {
        long start = Stopwatch.GetTimestamp();
        call();
        Inner.Synchronize();
        long elapsed = Stopwatch.GetTimestamp() - start;
        _totals[name] = _totals.TryGetValue(name, out var total) ? (total.Ticks + elapsed, total.Calls + 1) : (elapsed, 1);
    }
}
