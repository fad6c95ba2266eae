using VaeGpu.Cli.Configuration;
using VaeGpu.Configuration;
using VaeGpu.Data;

namespace VaeGpu.Cli.Commands;

/// <summary>"reconstruct": test images over their reconstructions from the posterior mean.</summary>
public sealed class ReconstructCommand(CliConsole console) : ICommand
{
    public string Name => "reconstruct";

    public string Summary => "PNG grid of test images over their reconstructions (--run RUNDIR [--count N] [--noise P] [--out FILE.png]).";

    public Configuration.CommandSwitches Switches => Configuration.CommandSwitches.Reconstruct;

    public int Run(string[] args)
    {
        using SavedRun saved = SavedRun.Open(CommandSwitches.Reconstruct, args);
        int count = saved.Validator.SampleCount();
        float noise = saved.Validator.Noise();
        DataSplit data = saved.Data(console);
        if (count > data.Test.Count)
            throw new ConfigException("Sample:Count", count.ToString(), $"the test set has only {data.Test.Count} images");
        string path = saved.OutputPath("reconstruct.png");
        if (noise > 0f)
        {
            RunImages.WriteDenoising(saved.Model, path, data.Test, count, noise, saved.Checkpoint.Seed);
            console.Out.WriteLine($"wrote {count} test images with salt-and-pepper noise (p = {noise:G3}) over their reconstructions " +
                $"and the clean images to {path}");
            return CliApp.Success;
        }
        RunImages.WriteReconstructions(saved.Model, path, data.Test, count);
        console.Out.WriteLine($"wrote {count} test images and their reconstructions to {path}");
        return CliApp.Success;
    }
}
