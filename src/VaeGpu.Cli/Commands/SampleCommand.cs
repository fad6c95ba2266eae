using VaeGpu.Cli.Configuration;
using VaeGpu.Data;

namespace VaeGpu.Cli.Commands;

/// <summary>"sample": a PNG grid of images decoded from z ~ N(0, I).</summary>
public sealed class SampleCommand(CliConsole console) : ICommand
{
    public string Name => "sample";

    public string Summary => "PNG grid of images decoded from the prior (--run RUNDIR [--count N] [--out FILE.png]).";

    public Configuration.CommandSwitches Switches => Configuration.CommandSwitches.Sample;

    public int Run(string[] args)
    {
        using SavedRun saved = SavedRun.Open(CommandSwitches.Sample, args);
        int count = saved.Validator.SampleCount();
        string path = saved.OutputPath("sample.png");
        int side = (int)Math.Round(Math.Sqrt(saved.Checkpoint.Architecture.InputSize));
        if (side * side != saved.Checkpoint.Architecture.InputSize)
            throw new VaeGpu.UserInputException($"{saved.Run.Checkpoint}: the model's {saved.Checkpoint.Architecture.InputSize} inputs are not a square image");
        var shape = new ImageSet(new byte[side * side], 1, side, side);
        RunImages.WriteSamples(saved.Model, path, count, saved.Checkpoint.Seed, shape);
        console.Out.WriteLine($"wrote {count} samples to {path}");
        return CliApp.Success;
    }
}
