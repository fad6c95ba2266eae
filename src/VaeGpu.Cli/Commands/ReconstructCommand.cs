using VaeGpu.Cli.Configuration;
using VaeGpu.Configuration;
using VaeGpu.Data;
using VaeGpu.Training;
using VaeGpu.Cli.Runs;

namespace VaeGpu.Cli.Commands;

/// <summary>"reconstruct": test images over their reconstructions from the posterior mean.</summary>
public sealed class ReconstructCommand(CliConsole console) : ICommand
{
    public string Name => "reconstruct";

    public string Summary => "PNG grid of test images over their reconstructions, a CSV for a table run (--run RUNDIR [--input FILE|DIR] [--count N] [--noise P] [--out FILE]).";

    public Configuration.CommandSwitches Switches => Configuration.CommandSwitches.Reconstruct;

    public int Run(string[] args)
    {
        using SavedRun saved = SavedRun.Open(CommandSwitches.Reconstruct, args);
        int count = saved.Validator.SampleCount();
        float noise = saved.Validator.Noise();
        (ImageSet images, _) = saved.InputOrTest(console);
        string noun = images.Noun;
        string which = saved.Options.Data.Input is null ? "test " : "";
        // A table's output is every record (or Count of them) and its reconstruction, as CSV.
        if (images.IsTable)
        {
            if (noise > 0f)
                throw new ConfigException("Analysis:Noise", noise.ToString(System.Globalization.CultureInfo.InvariantCulture), "salt-and-pepper noise is for images; this run was trained on a table");
            int rows = Math.Min(count, images.Count);
            string csvPath = saved.OutputPath("reconstruct.csv");
            float[] both = ImageRenderer.InputsAndReconstructions(saved.Model, images, Enumerable.Range(0, rows).ToArray());
            RunTables.Write(csvPath, saved.Inputs, RunTables.Reconstructions(both, rows, images.PixelsPerImage));
            console.Out.WriteLine($"wrote {rows} {which}{noun} and their reconstructions to {csvPath}");
            return CliApp.Success;
        }
        if (count > images.Count)
            throw new ConfigException("Sample:Count", count.ToString(), $"the {which}set has only {images.Count} images");
        string path = saved.OutputPath("reconstruct.png");
        if (noise > 0f)
        {
            RunImages.WriteDenoising(saved.Model, path, images, count, noise, saved.Checkpoint.Seed);
            console.Out.WriteLine($"wrote {count} {which}images with salt-and-pepper noise (p = {noise:G3}) over their reconstructions " +
                $"and the clean images to {path}");
            return CliApp.Success;
        }
        RunImages.WriteReconstructions(saved.Model, path, images, count);
        console.Out.WriteLine($"wrote {count} {which}images and their reconstructions to {path}");
        return CliApp.Success;
    }
}
