using VaeGpu.Cli.Configuration;
using VaeGpu.Data;
using VaeGpu.Training;
using VaeGpu.Cli.Runs;

namespace VaeGpu.Cli.Commands;

/// <summary>"sample": a PNG grid of images decoded from z ~ N(0, I).</summary>
public sealed class SampleCommand(CliConsole console) : ICommand
{
    public string Name => "sample";

    public string Summary => "PNG grid of images decoded from the prior, a CSV of records for a table run (--run RUNDIR [--count N] [--out FILE]).";

    public Configuration.CommandSwitches Switches => Configuration.CommandSwitches.Sample;

    public int Run(string[] args)
    {
        using SavedRun saved = SavedRun.Open(CommandSwitches.Sample, args);
        int count = saved.Validator.SampleCount();
        FeatureScaling inputs = saved.Inputs;
        if (inputs.IsTable)
        {
            // A table run's samples are records, in the file's units.
            string csvPath = saved.OutputPath("sample.csv");
            float[] samples = ImageRenderer.SamplePrior(saved.Model, count, saved.Checkpoint.Seed);
            RunTables.Write(csvPath, inputs, RunTables.Rows("sample", samples, saved.Checkpoint.Architecture.InputSize));
            console.Out.WriteLine($"wrote {count} sampled records to {csvPath}");
            return CliApp.Success;
        }
        string path = saved.OutputPath("sample.png");
        if (inputs.Width * inputs.Height * inputs.Channels != saved.Checkpoint.Architecture.InputSize)
            throw new VaeGpu.UserInputException($"{saved.Run.File(FeatureScaling.FileName)}: images of {inputs.Width}×{inputs.Height}×{inputs.Channels} do not fit the model's {saved.Checkpoint.Architecture.InputSize} inputs");
        var shape = new ImageSet(new byte[inputs.Width * inputs.Height * inputs.Channels], 1, inputs.Height, inputs.Width, channels: inputs.Channels);
        RunImages.WriteSamples(saved.Model, path, count, saved.Checkpoint.Seed, shape);
        console.Out.WriteLine($"wrote {count} samples to {path}");
        return CliApp.Success;
    }
}
