using System.Runtime.InteropServices;

namespace VaeGpu.Cli.Runs;

/// <summary>
/// Turns Ctrl-C (SIGINT) and SIGTERM, what a batch scheduler sends, into a request that training sees
/// between steps, so that it saves the step it is at, the progress display closes (restoring the
/// cursor) and one line says how to resume. A second signal while the first is being handled is left
/// to the runtime's default and ends the process: a user who presses Ctrl-C twice means it.
/// </summary>
public sealed class StopSignal : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private volatile string? _signal;

    /// <summary>Listens for SIGINT and SIGTERM until disposed.</summary>
    public static StopSignal Listen()
    {
        var stop = new StopSignal();
        foreach ((PosixSignal signal, string name) in new[] { (PosixSignal.SIGINT, "SIGINT"), (PosixSignal.SIGTERM, "SIGTERM") })
        {
            stop._registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                if (stop._signal is not null) return; // the second one: let the runtime end the process
                context.Cancel = true;
                stop.Request(name);
            }));
        }
        return stop;
    }

    /// <summary>A stop that no signal triggers; tests call <see cref="Request"/> or set <see cref="AfterStep"/>.</summary>
    public static StopSignal Manual() => new();

    /// <summary>For tests: behave as if a signal arrived right after this global step completed.</summary>
    public long? AfterStep { get; init; }

    /// <summary>"SIGINT" or "SIGTERM" once a stop was asked for; null before.</summary>
    public string? Signal => _signal;

    public void Request(string signal) => _signal ??= signal;

    /// <summary>True once a stop was asked for; <paramref name="step"/> is the number of steps completed.</summary>
    public bool IsRequested(long step)
    {
        if (_signal is null && AfterStep is long after && step >= after) Request("SIGINT");
        return _signal is not null;
    }

    /// <summary>128 + the signal number, the exit status shells report for a process a signal ended.</summary>
    public int ExitCode => _signal == "SIGTERM" ? 143 : 130;

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
            registration.Dispose();
        _registrations.Clear();
    }
}
