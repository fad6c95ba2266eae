using VaeGpu.Accelerators;
using VaeGpu.Cli.Configuration;
using VaeGpu.Cli.Runs;
using VaeGpu.Configuration;
using VaeGpu.Data;
using VaeGpu.Io;
using VaeGpu.Model;
using VaeGpu.Accelerators.Selection;
using VaeGpu.Data.Sources;
using VaeGpu.Io.Checkpoints;

namespace VaeGpu.Cli.Commands;

/// <summary>
/// A trained run opened for eval, sample or reconstruct: its options, checkpoint and model on a device.
/// The run directory stays locked, shared with other analysis verbs, while it is open: a training cannot
/// rewrite the checkpoint under an analysis (or an analysis write beside a training that is about to
/// replace the run), while eval, sample and score may read one run at once.
/// </summary>
public sealed class SavedRun : IDisposable
{
    private readonly RunLock _lock;

    private SavedRun(VaeGpuOptions options, RunDirectory run, CheckpointData checkpoint, IAccelerator accelerator, VaeModel model, RunLock runLock)
    {
        _lock = runLock;
        Options = options;
        Run = run;
        Checkpoint = checkpoint;
        Accelerator = accelerator;
        Model = model;
    }

    public VaeGpuOptions Options { get; }
    public OptionsValidator Validator => new(Options);
    public RunDirectory Run { get; }
    public CheckpointData Checkpoint { get; }
    public IAccelerator Accelerator { get; }
    public VaeModel Model { get; }

    public static SavedRun Open(CommandSwitches switches, string[] args)
    {
        VaeGpuOptions options = RunFiles.LoadOptions(switches, args, resumeKey: false);
        var validator = new OptionsValidator(options);
        var run = RunDirectory.Existing(validator.RunDir(), "Run:Dir");
        DeviceRequest device = validator.Device();
        KernelChoice kernels = validator.Kernels();
        RunLock runLock = RunLock.AcquireShared(run.Path, "Run:Dir");
        IAccelerator? accelerator = null;
        try
        {
            StaleTempFiles.Remove(run.Path);
            CheckpointData checkpoint = Io.Checkpoints.Checkpoint.Load(run.Checkpoint);
            (accelerator, _) = AcceleratorFactory.Create(device, kernels);
            var model = new VaeModel(accelerator, checkpoint.Architecture);
            model.Load(checkpoint.State);
            return new SavedRun(options, run, checkpoint, accelerator, model, runLock);
        }
        catch
        {
            accelerator?.Dispose();
            runLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What the run learnt from: its features.json (image size, or a table's columns and
    /// standardization); a run from before that file existed is square grey images.
    /// </summary>
    public FeatureScaling Inputs => _inputs ??= File.Exists(Run.File(FeatureScaling.FileName))
        ? FeatureScaling.Load(Run.File(FeatureScaling.FileName))
        : FeatureScaling.SquareImages(Checkpoint.Architecture.InputSize);

    private FeatureScaling? _inputs;

    /// <summary>The run's data (its saved Data:* settings unless overridden), standardized as in training and checked against the model.</summary>
    public DataSplit Data(CliConsole console)
    {
        DataSplit data = RunData.Load(Options, Validator, Checkpoint.Seed);
        if (data.Notice is not null) console.Error.WriteLine($"note: {data.Notice}");
        if (data.Test.PixelsPerImage != Checkpoint.Architecture.InputSize || data.Test.IsTable != Inputs.IsTable)
            throw new ConfigException("Data:Dir", Options.Data.Dir ?? data.Description,
                $"{(data.Test.IsTable ? "records have" : "images have")} {data.Test.PixelsPerImage} {(data.Test.IsTable ? "features" : "pixels")} " +
                $"but the model in {Run.Checkpoint} takes {Checkpoint.Architecture.InputSize} {(Inputs.IsTable ? "features" : "pixels")}");
        return data with { Train = Inputs.Apply(data.Train), Test = Inputs.Apply(data.Test) };
    }

    /// <summary>
    /// --input: new data the run has never seen, read with the run's Data settings, refused when its
    /// columns or image size differ from training, and standardized with the training statistics.
    /// </summary>
    public ImageSet Input(string path)
    {
        DataSettings settings = Validator.Data() with { ExpectedFeatures = Inputs.IsTable ? Inputs.Features : null };
        (ImageSet set, _) = DataSource.Read(path, settings, "Data:Input");
        string file = Path.GetFullPath(path);
        if (set.IsTable != Inputs.IsTable)
            throw new UserInputException($"{file}: holds {(set.IsTable ? "a table" : "images")} but the run was trained on {(Inputs.IsTable ? "a table" : "images")}");
        if (set.PixelsPerImage != Checkpoint.Architecture.InputSize)
            throw new UserInputException(set.IsTable
                ? $"{file}: {set.PixelsPerImage} feature columns, but the model was trained on {Checkpoint.Architecture.InputSize}"
                : $"{file}: images of {set.ImageCols}×{set.ImageRows}×{set.Channels} = {set.PixelsPerImage} values, but the model takes " +
                  $"{Inputs.Width}×{Inputs.Height}×{Inputs.Channels} = {Checkpoint.Architecture.InputSize} (set Data:Width and Data:Height to resize)");
        return Inputs.Apply(set);
    }

    /// <summary>--input's data when given, else the run's test set.</summary>
    public (ImageSet Set, string Description) InputOrTest(CliConsole console)
    {
        if (Options.Data.Input is { } input)
        {
            ImageSet set = Input(input);
            return (set, $"{Path.GetFullPath(input)}: {set.Count:N0} {set.Noun} (--input)");
        }
        DataSplit data = Data(console);
        return (data.Test, data.Description);
    }

    /// <summary>
    /// --out when given, else the named file in the run directory; checked now, before the work, so that
    /// an unwritable path costs a second rather than the minutes of evaluation it would be found after.
    /// Never one of the files train wrote: analysis verbs add files, they do not replace the run's own.
    /// </summary>
    public string OutputPath(string defaultName)
    {
        string path = Options.Sample.Out ?? Run.File(defaultName);
        RunGuard.RefuseTrainFile(Run, path, "Sample:Out");
        // A directory is reported as one (by EnsureWritableFile) rather than as a name without the extension.
        if (Options.Sample.Out is { } asked && !Directory.Exists(asked)) RefuseOtherExtension(asked, Path.GetExtension(defaultName));
        return VaeGpu.Io.OutputPath.EnsureWritableFile(path, "Sample:Out");
    }

    /// <summary>
    /// An --out whose extension is not the format written ("x.jpg" for a PNG, "it.png" for a table run's
    /// CSV) would hand the user a file that every program opens wrongly: refused, naming the one to use.
    /// </summary>
    private void RefuseOtherExtension(string asked, string extension)
    {
        if (Path.GetExtension(asked).Equals(extension, StringComparison.OrdinalIgnoreCase)) return;
        string format = extension.ToLowerInvariant() switch
        {
            ".png" => "a PNG image",
            ".csv" => Inputs.IsTable ? "CSV text (a table run's records are rows, not images)" : "CSV text",
            ".json" => "JSON",
            _ => extension,
        };
        throw new ConfigException("Sample:Out", asked, $"this verb writes {format}; name a {extension} file");
    }

    public void Dispose()
    {
        Model.Dispose();
        Accelerator.Dispose();
        _lock.Dispose();
    }
}
