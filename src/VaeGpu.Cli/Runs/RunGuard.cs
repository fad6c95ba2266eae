using VaeGpu.Configuration;
using VaeGpu.Io;

namespace VaeGpu.Cli.Runs;

/// <summary>
/// Keeps train from damaging a run it was not asked to continue: a directory that holds a run is
/// refused as --out unless --overwrite, and with --overwrite the old run's files (the analysis verbs'
/// too, so no stale eval.json is left beside a new model) are removed only when the new run saves its
/// first checkpoint, so a new run that fails early leaves the old one as it was.
/// </summary>
public static class RunGuard
{
    /// <summary>Files whose presence makes a directory a run.</summary>
    public static readonly string[] RunMarkers = ["checkpoint.bin", "config.json", "metrics.csv"];

    /// <summary>Every file train or an analysis verb writes by default: what --overwrite removes.</summary>
    public static readonly string[] RunFiles =
    [
        "checkpoint.bin", "config.json", "metrics.csv", "samples.png", "reconstructions.png", "report.html",
        "eval.json", "sample.png", "reconstruct.png", "interpolation.png", "latents.csv", "manifold.png", "scores.csv",
    ];

    /// <summary>The files train writes: analysis verbs never replace these.</summary>
    public static readonly string[] TrainFiles =
        ["checkpoint.bin", "config.json", "metrics.csv", "samples.png", "reconstructions.png", "report.html",
         "samples.csv", "reconstructions.csv", "features.json", "train-scores.json"];

    /// <summary>The first run marker in <paramref name="directory"/>, or null when it holds no run.</summary>
    public static string? RunMarker(string directory) =>
        RunMarkers.FirstOrDefault(name => File.Exists(Path.Combine(directory, name)));

    /// <summary>Refuses a target directory that holds a run, unless overwriting was asked for; returns whether old files must go.</summary>
    public static bool CheckTarget(RunDirectory run, string key, string shown, bool overwrite)
    {
        if (File.Exists(run.Path))
            throw new ConfigException(key, shown, "is a file, not a directory");
        if (RunMarker(run.Path) is not { } marker)
            return false;
        if (!overwrite)
            throw new ConfigException(key, shown,
                $"already holds a run ({marker}); continue it with --resume {shown}, or choose another --out (--overwrite replaces it)");
        return true;
    }

    /// <summary>Removes the previous run's files (--overwrite), just before the new run's first save.</summary>
    public static void RemoveOldRun(RunDirectory run)
    {
        foreach (string name in RunFiles)
        {
            string path = run.File(name);
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (IoFailure.IsIo(e))
            {
                throw new UserInputException($"{path}: cannot remove the replaced run's file: {IoFailure.Reason(e)}");
            }
        }
    }

    /// <summary>Refuses an analysis output that would replace a file train wrote in <paramref name="run"/>.</summary>
    public static void RefuseTrainFile(RunDirectory run, string output, string key)
    {
        string full = Path.GetFullPath(output);
        foreach (string name in TrainFiles)
        {
            if (string.Equals(full, run.File(name), StringComparison.Ordinal))
                throw new ConfigException(key, output, $"is the run's own {name}, which train wrote; analysis verbs add files, choose another --out");
        }
    }
}
