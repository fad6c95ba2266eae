
namespace VaeGpu.Training;

/// <summary>
/// A loss term went NaN or infinite: training stops, naming the term, epoch and step. The message says
/// only what happened; the CLI, which knows whether a checkpoint exists and which likelihood trains,
/// adds what is kept and what to try (<see cref="WithAdvice"/>).
/// </summary>
public sealed class TrainingDivergedException(string term, int epoch, long step, float value)
    : UserInputException($"training stopped: the {term} term of the loss is {value} at epoch {epoch}, step {step}", exitCode: 3)
{
    public string Term { get; } = term;
    public int Epoch { get; } = epoch;
    public long Step { get; } = step;

    /// <summary>This error with what remains on disk and what to try appended, still one line.</summary>
    public UserInputException WithAdvice(string kept, string advice) => new($"{Message}; {kept}; {advice}", ExitCode);
}
