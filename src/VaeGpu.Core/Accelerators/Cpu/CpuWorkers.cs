using System.Diagnostics;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// A fork-join pool of dedicated threads for the CPU accelerator's parallel loops, allocation-free
/// per call (Parallel.For allocates its state on every call: about 1.5 KB, a dozen times a step).
/// <see cref="For"/> runs body(0..count−1) on the calling thread and up to threads − 1 helpers,
/// handing out indices dynamically, and returns when every index is done. The partition into
/// indices is the caller's, so results do not depend on which thread ran what.
///
/// A helper that has finished spins for <see cref="SpinTime"/> before it sleeps. A training step
/// issues 15 or so parallel loops with short serial gaps between them, and waking a sleeping thread
/// costs tens of microseconds (a futex wake, and on a VM an idle vCPU's exit): with only two tasks
/// per GEMM, the caller often finished both before the helper was even running, so a loop ran serially
/// and still waited for the helper. Spinning helpers pick up the next loop within a microsecond; a
/// pool left idle sleeps after the spin and costs nothing.
/// </summary>
internal sealed class CpuWorkers : IDisposable
{
    /// <summary>How long an idle helper polls for the next loop before it sleeps.</summary>
    public static readonly TimeSpan SpinTime = TimeSpan.FromMilliseconds(0.5);

    private static readonly long SpinTicks = (long)(SpinTime.TotalSeconds * Stopwatch.Frequency);

    private readonly Thread[] _helpers;
    private readonly object _gate = new();
    private readonly ManualResetEventSlim _done = new(false);
    private Action<int>? _body;
    private int _count, _next, _pending, _sleeping;

    /// <summary>
    /// The loop being run: its number × 2¹⁶ + how many helpers take part, published in one write so
    /// that a helper reads a consistent pair even when it has slept through earlier loops.
    /// </summary>
    private long _ticket;
    private Exception? _failure;
    private volatile bool _disposed;

    public CpuWorkers(int threads)
    {
        _helpers = new Thread[Math.Max(0, threads - 1)];
        for (int i = 0; i < _helpers.Length; i++)
        {
            _helpers[i] = new Thread(HelperLoop) { IsBackground = true, Name = $"vaegpu-cpu-{i + 1}" };
            _helpers[i].Start(i);
        }
    }

    /// <summary>Runs body(i) for i in [0, count), in parallel; not reentrant (one accelerator, one issuing thread).</summary>
    public void For(int count, Action<int> body)
    {
        int helpers = Math.Min(_helpers.Length, count - 1);
        if (helpers <= 0)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        _body = body;
        _count = count;
        _next = 0;
        _failure = null;
        _pending = helpers;
        _done.Reset();
        // A full fence: the fields above are visible before the ticket, and the ticket before _sleeping is read.
        Interlocked.Exchange(ref _ticket, ((_ticket >> 16) + 1 << 16) | (long)helpers);
        if (Volatile.Read(ref _sleeping) > 0)
            lock (_gate) Monitor.PulseAll(_gate);
        RunItemsCatching();
        _done.Wait();
        _body = null;
        if (_failure is { } failure)
            throw new AggregateException(failure);
    }

    /// <summary>Whether any helper thread is still running (false once disposed).</summary>
    internal bool HelpersAlive => _helpers.Any(helper => helper.IsAlive);

    /// <summary>Runs items; the first failure, on any thread, stops the handing out and is rethrown by <see cref="For"/>.</summary>
    private void RunItemsCatching()
    {
        try
        {
            RunItems();
        }
        catch (Exception exception)
        {
            Interlocked.CompareExchange(ref _failure, exception, null);
            Volatile.Write(ref _next, int.MaxValue / 2);
        }
    }

    private void RunItems()
    {
        Action<int> body = _body!;
        for (int i = Interlocked.Increment(ref _next) - 1; i < _count; i = Interlocked.Increment(ref _next) - 1)
            body(i);
    }

    private void HelperLoop(object? state)
    {
        int index = (int)state!;
        long seen = 0;
        while (true)
        {
            seen = NextTicket(seen);
            if (_disposed) return;
            if (index >= (int)(seen & 0xFFFF)) continue; // not needed for this loop
            RunItemsCatching();
            if (Interlocked.Decrement(ref _pending) == 0) _done.Set();
        }
    }

    /// <summary>Spins, then sleeps, until the ticket differs from <paramref name="seen"/>; returns the new one.</summary>
    private long NextTicket(long seen)
    {
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
        for (int polls = 1; ; polls++)
        {
            long ticket = Volatile.Read(ref _ticket);
            if (ticket != seen || _disposed) return ticket;
            if (Stopwatch.GetTimestamp() < deadline)
            {
                // Give the core away now and then, in case another thread of this process needs it.
                if (polls % 256 == 0) Thread.Yield();
                else Thread.SpinWait(8);
                continue;
            }
            // Dekker with For: either For sees this helper counted in _sleeping and pulses the gate
            // (which it can only take once this helper waits on it or has not yet checked), or this
            // helper sees For's new ticket under the gate and does not wait. Each waiter re-checks its
            // own condition, so no wake-up can be taken by another helper (a semaphore permit could:
            // a helper that finished early and went back to sleep stole the permit of one still
            // waking, which then slept through a loop that waited for it).
            Interlocked.Increment(ref _sleeping);
            lock (_gate)
            {
                while (Volatile.Read(ref _ticket) == seen && !_disposed) Monitor.Wait(_gate);
            }
            Interlocked.Decrement(ref _sleeping);
            deadline = Stopwatch.GetTimestamp() + SpinTicks;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Interlocked.Increment(ref _ticket);
        lock (_gate) Monitor.PulseAll(_gate);
        foreach (Thread helper in _helpers) helper.Join();
        _done.Dispose();
    }
}
