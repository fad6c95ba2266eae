using VaeGpu.Training;

namespace VaeGpu.Tests.Training;

/// <summary>A training control that asks the trainer to stop once it has taken <paramref name="step"/> steps; no checkpoints.</summary>
internal sealed class StopAtStep(Trainer trainer, long step) : ITrainingControl
{
    public bool StopRequested => trainer.Step >= step;
    public bool CheckpointDue(int stepsInEpoch) => false;
    public void SaveCheckpoint(PartialEpoch partial) { }
}
