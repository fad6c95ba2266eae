using VaeGpu.Analysis;
using VaeGpu.Cli.Configuration;
using VaeGpu.Data;
using VaeGpu.Io;
using VaeGpu.Cli.Runs;

namespace VaeGpu.Cli.Commands;

/// <summary>
/// "interpolate": a PNG strip of images decoded along the path between the posterior means of two
/// test images (--from I --to J), straight or (--spherical) along the great circle, with the two
/// inputs themselves at the ends.
/// </summary>
public sealed class InterpolateCommand(CliConsole console) : ICommand
{
    public const string SphericalFlag = "--spherical";

    public string Name => "interpolate";

    public string Summary => "PNG strip decoding the path between two test images (--run RUNDIR [--from I --to J] [--steps N] [--spherical] [--out FILE.png]).";

    public Configuration.CommandSwitches Switches => Configuration.CommandSwitches.Interpolate;

    public int Run(string[] args)
    {
        using SavedRun saved = SavedRun.Open(CommandSwitches.Interpolate, ExpandFlags(args));
        bool spherical = saved.Validator.SphericalPath();
        int steps = saved.Validator.InterpolationSteps();
        // A table run's path is records, in the file's units: the two ends and the decoded steps.
        string path = saved.OutputPath(saved.Inputs.IsTable ? "interpolation.csv" : "interpolation.png");
        DataSplit data = saved.Data(console);
        ImageSet images = data.Test;
        (int from, int to) = saved.Validator.InterpolationEnds(images.Count);
        int latent = saved.Model.Layout.Latent, size = images.PixelsPerImage;

        float[] ends = LatentCodes.PosteriorMeans(saved.Model, images, 2, [from, to]);
        float[] codes = AnalysisMath.Path(ends.AsSpan(0, latent), ends.AsSpan(latent, latent), steps, spherical);
        float[] decoded = LatentCodes.Decode(saved.Model, codes, saved.Validator.EvalBatchSize());

        var tiles = new List<float[]> { images.ImageAsFloats(from) };
        for (int s = 0; s < steps; s++) tiles.Add(decoded.AsSpan(s * size, size).ToArray());
        tiles.Add(images.ImageAsFloats(to));
        if (images.IsTable)
        {
            RunTables.Write(path, saved.Inputs, tiles.Select((values, i) =>
                (i == 0 ? $"from{from}" : i == tiles.Count - 1 ? $"to{to}" : $"step{i - 1}", values)));
        }
        else
        {
            ImageGrid.Compose(tiles, images.ImageRows, images.ImageCols, tiles.Count, images.Channels).WritePng(path);
        }
        string noun = images.IsTable ? "record" : "image";
        console.Out.WriteLine($"wrote test {noun} {from}, {steps} {noun}s decoded along the {(spherical ? "spherical" : "linear")} path " +
            $"between the posterior means, and test {noun} {to} to {path}");
        return CliApp.Success;
    }

    /// <summary>
    /// The flag --spherical takes no value, which the configuration's command line does not know, so it
    /// becomes --Analysis:Path=spherical, put first so that it can never become another switch's value
    /// ("--out --spherical" is then "--out needs a value", not a file named --spherical).
    /// </summary>
    public static string[] ExpandFlags(string[] args)
    {
        string[] rest = args.Where(a => !a.Equals(SphericalFlag, StringComparison.OrdinalIgnoreCase)).ToArray();
        return rest.Length == args.Length ? args : ["--Analysis:Path=spherical", .. rest];
    }
}
