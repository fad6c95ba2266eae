using VaeGpu.Accelerators;

namespace VaeGpu.Training;

/// <summary>
/// The training step as captured graphs, one per batch size (full batches, and the short last batch
/// of an epoch). A step of a size seen for the first time runs op by op (it may allocate scratch,
/// which a capture must not); the second time it is captured, and from then on every step of that
/// size is one replay. Capture records without running, so the captured step is replayed at once.
/// </summary>
internal sealed class StepGraphs(IStepCapture capture) : IDisposable
{
    private readonly Dictionary<int, ICapturedOps?> _graphs = [];

    /// <param name="step">Issues the step's ops for a batch of the given size.</param>
    public void Run(int rows, Action<int> step)
    {
        if (!_graphs.TryGetValue(rows, out ICapturedOps? graph))
        {
            step(rows);
            _graphs[rows] = null;
            return;
        }
        if (graph is null) _graphs[rows] = graph = capture.Capture(() => step(rows));
        graph.Replay();
    }

    public void Dispose()
    {
        foreach (ICapturedOps? graph in _graphs.Values) graph?.Dispose();
        _graphs.Clear();
    }
}
