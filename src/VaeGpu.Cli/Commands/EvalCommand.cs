using VaeGpu.Cli.Configuration;
using VaeGpu.Data;
using VaeGpu.Training;

namespace VaeGpu.Cli.Commands;

/// <summary>"eval": test −ELBO, reconstruction NLL and KL of a saved model, with sampled z.</summary>
public sealed class EvalCommand(CliConsole console) : ICommand
{
    public string Name => "eval";

    public string Summary => "Test -ELBO, reconstruction and KL of a trained run (--run RUNDIR [--data DIR] [--device]).";

    public int Run(string[] args)
    {
        using SavedRun saved = SavedRun.Open(CommandSwitches.Eval, args);
        DataSplit data = saved.Data(console);
        using var evaluator = new Evaluator(saved.Model, data.Test, saved.Validator.EvalBatchSize(), saved.Checkpoint.Seed);
        EvaluationResult result = evaluator.Evaluate();
        console.Out.WriteLine($"run: {saved.Run.Path} (epoch {saved.Checkpoint.Epoch}, step {saved.Checkpoint.Step})");
        console.Out.WriteLine($"data: {data.Description}");
        console.Out.WriteLine($"device: {saved.Accelerator.Name}");
        console.Out.WriteLine($"test -ELBO {result.Loss:F3} nats  (reconstruction {result.Recon:F3}, KL {result.Kl:F3}) over {result.Examples:N0} images");
        return CliApp.Success;
    }
}
