using System.Globalization;
using System.Text;
using VaeGpu.Analysis;
using VaeGpu.Cli.Configuration;
using VaeGpu.Data;
using VaeGpu.Io;
using VaeGpu.Cli.Runs;

namespace VaeGpu.Cli.Commands;

/// <summary>
/// "latents": each test image's posterior mean μ (and label) as CSV; for a 2-D latent space also a
/// PNG of the manifold, decoded on the Gaussian quantile grid.
/// </summary>
public sealed class LatentsCommand(CliConsole console) : ICommand
{
    public const int ManifoldSide = 20;

    public string Name => "latents";

    public string Summary => "CSV of each test record's posterior mean, and a manifold PNG for a 2-D latent image model (--run RUNDIR [--input FILE|DIR] [--out FILE.csv]).";

    public Configuration.CommandSwitches Switches => Configuration.CommandSwitches.Latents;

    public int Run(string[] args)
    {
        using SavedRun saved = SavedRun.Open(CommandSwitches.Latents, args);
        int batchSize = saved.Validator.EvalBatchSize();
        string path = saved.OutputPath("latents.csv");
        (ImageSet images, _) = saved.InputOrTest(console);
        int latent = saved.Model.Layout.Latent;

        float[] means = LatentCodes.PosteriorMeans(saved.Model, images, batchSize);
        var csv = new StringBuilder(images.Ids is null ? "index" : "index,id");
        if (images.Labels is not null) csv.Append(",label");
        for (int j = 0; j < latent; j++) csv.Append(",mu_").Append(j.ToString(CultureInfo.InvariantCulture));
        csv.Append('\n');
        for (int i = 0; i < images.Count; i++)
        {
            csv.Append(i.ToString(CultureInfo.InvariantCulture));
            if (images.Ids is { } ids) csv.Append(',').Append(RunTables.Quote(ids[i]));
            if (images.Labels is { } labels) csv.Append(',').Append(labels[i].ToString(CultureInfo.InvariantCulture));
            for (int j = 0; j < latent; j++) csv.Append(',').Append(means[i * latent + j].ToString("R", CultureInfo.InvariantCulture));
            csv.Append('\n');
        }
        AtomicFile.WriteAllText(path, csv.ToString());
        string which = saved.Options.Data.Input is null ? "test " : "";
        console.Out.WriteLine($"wrote the posterior means of {images.Count:N0} {which}{images.Noun} ({latent} dimensions) to {path}");

        // The manifold is a picture: a table run has no image to draw.
        if (latent == 2 && !images.IsTable)
        {
            string manifold = ManifoldPath(path);
            float[] decoded = LatentCodes.Decode(saved.Model, LatentCodes.QuantileGrid(ManifoldSide), batchSize);
            ImageGrid.WritePng(manifold, decoded, ManifoldSide * ManifoldSide, images.ImageRows, images.ImageCols, ManifoldSide, images.Channels);
            console.Out.WriteLine($"wrote the {ManifoldSide}×{ManifoldSide} latent manifold (z on the Gaussian quantile grid) to {manifold}");
        }
        return CliApp.Success;
    }

    /// <summary>latents.csv → manifold.png beside it; any other NAME.csv → NAME-manifold.png.</summary>
    public static string ManifoldPath(string csvPath)
    {
        string directory = Path.GetDirectoryName(csvPath) ?? ".";
        string stem = Path.GetFileNameWithoutExtension(csvPath);
        return Path.Combine(directory, stem == "latents" ? "manifold.png" : stem + "-manifold.png");
    }
}
