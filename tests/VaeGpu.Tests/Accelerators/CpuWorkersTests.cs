using VaeGpu.Accelerators.Cpu;

namespace VaeGpu.Tests.Accelerators;

/// <summary>
/// The CPU accelerator's fork-join pool: every index exactly once, whether the helpers are still
/// spinning from the last loop or have gone to sleep; failures surface and leave the pool usable.
/// </summary>
public sealed class CpuWorkersTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Every_index_runs_exactly_once_back_to_back(int threads)
    {
        using var workers = new CpuWorkers(threads);
        foreach (int count in new[] { 0, 1, 2, 3, 7, 64, 1000 })
        {
            for (int repeat = 0; repeat < 50; repeat++)
            {
                var hits = new int[count];
                workers.For(count, i => Interlocked.Increment(ref hits[i]));
                Assert.All(hits, h => Assert.Equal(1, h));
            }
        }
    }

    [Fact]
    public void Loops_after_the_helpers_went_to_sleep_still_use_them()
    {
        using var workers = new CpuWorkers(3);
        for (int round = 0; round < 4; round++)
        {
            // Longer than the spin: the helpers are asleep when the next loop starts.
            Thread.Sleep(CpuWorkers.SpinTime * 4);
            var threadsSeen = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
            var hits = new int[64];
            using var barrier = new Barrier(3);
            // Three indices that each wait for the other two: this only finishes if both helpers woke.
            workers.For(3, i => { threadsSeen[Environment.CurrentManagedThreadId] = true; barrier.SignalAndWait(TimeSpan.FromSeconds(30)); });
            Assert.Equal(3, threadsSeen.Count);
            workers.For(hits.Length, i => Interlocked.Increment(ref hits[i]));
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void Loops_at_the_edge_of_the_spin_never_lose_a_helper_when_the_cores_are_oversubscribed()
    {
        // Busy threads make wake-ups slow, and pauses around the spin time catch helpers as they fall
        // asleep: the pool once lost a wake-up here (one helper's semaphore permit taken by another)
        // and the loop then waited forever for the helper that slept on.
        using var stop = new CancellationTokenSource();
        var hogs = Enumerable.Range(0, 2 * Environment.ProcessorCount)
            .Select(_ => new Thread(() => { while (!stop.IsCancellationRequested) Thread.SpinWait(1000); }) { IsBackground = true })
            .ToList();
        hogs.ForEach(hog => hog.Start());
        try
        {
            Exception? failure = null;
            var loops = new Thread(() =>
            {
                try
                {
                    using var workers = new CpuWorkers(3);
                    var random = new System.Random(5);
                    for (int loop = 0; loop < 400; loop++)
                    {
                        // Three or more indices: both helpers take part, and the caller waits for both.
                        var hits = new int[random.Next(3, 12)];
                        workers.For(hits.Length, i => Interlocked.Increment(ref hits[i]));
                        Assert.All(hits, h => Assert.Equal(1, h));
                        var pause = System.Diagnostics.Stopwatch.StartNew();
                        TimeSpan length = CpuWorkers.SpinTime * (2 * random.NextDouble());
                        while (pause.Elapsed < length) Thread.SpinWait(100);
                    }
                }
                catch (Exception exception)
                {
                    failure = exception;
                }
            }) { IsBackground = true };
            loops.Start();
            Assert.True(loops.Join(TimeSpan.FromSeconds(90)), "a loop waited for a helper that never woke");
            Assert.Null(failure);
        }
        finally
        {
            stop.Cancel();
            hogs.ForEach(hog => hog.Join());
        }
    }

    [Fact]
    public void A_failing_body_throws_on_the_caller_and_the_pool_keeps_working()
    {
        using var workers = new CpuWorkers(2);
        var failure = Assert.Throws<AggregateException>(() =>
            workers.For(100, i => { if (i == 57) throw new InvalidOperationException("index 57"); }));
        Assert.Contains("index 57", failure.Flatten().InnerExceptions.Single().Message);

        var hits = new int[100];
        workers.For(hits.Length, i => Interlocked.Increment(ref hits[i]));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void Dispose_ends_the_helper_threads_whether_spinning_or_asleep()
    {
        var spinning = new CpuWorkers(4);
        spinning.For(10, _ => { });
        Assert.True(spinning.HelpersAlive);
        spinning.Dispose();
        Assert.False(spinning.HelpersAlive);
        spinning.Dispose();

        var asleep = new CpuWorkers(4);
        asleep.For(10, _ => { });
        Thread.Sleep(CpuWorkers.SpinTime * 4);
        asleep.Dispose();
        Assert.False(asleep.HelpersAlive);
    }
}
