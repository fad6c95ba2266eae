using VaeGpu.Configuration;

namespace VaeGpu.Training;

/// <summary>A loss term went NaN or infinite: training stops, naming the term, epoch and step.</summary>
public sealed class TrainingDivergedException(string term, int epoch, long step, float value)
    : UserInputException(
        $"training stopped: the {term} term of the loss is {value} at epoch {epoch}, step {step}; " +
        "the last good checkpoint is kept (try a lower --lr or a larger Model:LogVarMin)", exitCode: 3)
{
    public string Term { get; } = term;
    public int Epoch { get; } = epoch;
    public long Step { get; } = step;
}
