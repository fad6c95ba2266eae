using VaeGpu.Accelerators;
using VaeGpu.Model;
using VaeGpu.Random;

namespace VaeGpu.Training;

/// <summary>
/// One training step as a flat list of op calls: gather the batch, forward + loss, reduce the loss terms
/// into the log, backward, Adam, advance the step counter. Written once: the trainer runs it, and the
/// benchmarks time this very method, so that bench measures the step training runs.
/// </summary>
internal static class TrainingStep
{
    /// <param name="order">The batch's indices into <paramref name="images"/>.</param>
    /// <param name="stepNumber">The 1-based number of this step, for the loss log's NaN report.</param>
    public static void Run(IAccelerator accelerator, VaeModel model, VaeWorkspace workspace, DeviceImages images,
        DeviceSpan<int> order, int rows, NoiseSource noise, KlWeight klWeight, AdamSettings adam, LossLog lossLog, long stepNumber)
    {
        accelerator.GatherRows(images.Pixels, order, workspace.Input(rows), rows, model.Layout.InputSize);
        VaePasses.Loss(model, workspace, rows, noise, model.StepCounter, withGradient: true);
        lossLog.Record(workspace.Nll(rows), workspace.Kl(rows), stepNumber);
        VaePasses.Backward(model, workspace, rows, klWeight);
        accelerator.AdamStep(model.Parameters, model.Gradients, model.AdamM, model.AdamV, adam, model.StepCounter);
        accelerator.AdvanceCounter(model.StepCounter);
    }
}
