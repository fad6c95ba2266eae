namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// A fork-join pool of dedicated threads for the CPU accelerator's parallel loops, allocation-free
/// per call (Parallel.For allocates its state on every call: about 1.5 KB, a dozen times a step).
/// <see cref="For"/> runs body(0..count−1) on the calling thread and up to threads − 1 helpers,
/// handing out indices dynamically, and returns when every index is done. The partition into
/// indices is the caller's, so results do not depend on which thread ran what.
/// </summary>
internal sealed class CpuWorkers : IDisposable
{
    private readonly Thread[] _helpers;
    private readonly SemaphoreSlim _start = new(0);
    private readonly ManualResetEventSlim _done = new(false);
    private Action<int>? _body;
    private int _count, _next, _pending;
    private Exception? _failure;
    private volatile bool _disposed;

    public CpuWorkers(int threads)
    {
        _helpers = new Thread[Math.Max(0, threads - 1)];
        for (int i = 0; i < _helpers.Length; i++)
        {
            _helpers[i] = new Thread(HelperLoop) { IsBackground = true, Name = $"vaegpu-cpu-{i + 1}" };
            _helpers[i].Start();
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
        _start.Release(helpers);
        try
        {
            RunItems();
        }
        finally
        {
            _done.Wait();
            _body = null;
        }
        if (_failure is { } failure)
            throw new AggregateException(failure);
    }

    private void RunItems()
    {
        Action<int> body = _body!;
        for (int i = Interlocked.Increment(ref _next) - 1; i < _count; i = Interlocked.Increment(ref _next) - 1)
            body(i);
    }

    private void HelperLoop()
    {
        while (true)
        {
            _start.Wait();
            if (_disposed) return;
            try
            {
                RunItems();
            }
            catch (Exception exception)
            {
                Interlocked.CompareExchange(ref _failure, exception, null);
                Volatile.Write(ref _next, int.MaxValue / 2); // stop handing out indices
            }
            if (Interlocked.Decrement(ref _pending) == 0) _done.Set();
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_helpers.Length > 0) _start.Release(_helpers.Length);
        foreach (Thread helper in _helpers) helper.Join();
        _start.Dispose();
        _done.Dispose();
    }
}
