
namespace VaeGpu.Io;

/// <summary>The files of one training run, all in one directory.</summary>
public sealed class RunDirectory(string path)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public string Config => File("config.json");
    public string Metrics => File("metrics.csv");
    public string Checkpoint => File("checkpoint.bin");
    public string Samples => File("samples.png");
    public string Reconstructions => File("reconstructions.png");

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>runs/&lt;UTC timestamp&gt; under the working directory.</summary>
    public static RunDirectory NewDefault() => new(System.IO.Path.Combine("runs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss")));

    /// <summary>An existing run for eval/sample/resume: a one-line error when it has no checkpoint.</summary>
    public static RunDirectory Existing(string path, string key)
    {
        var run = new RunDirectory(path);
        if (!Directory.Exists(run.Path))
            throw new ConfigException(key, path, "no such run directory");
        if (!System.IO.File.Exists(run.Checkpoint))
            throw new ConfigException(key, path, "not a run directory: it has no checkpoint.bin (train writes one after each epoch)");
        return run;
    }

    public override string ToString() => Path;
}
