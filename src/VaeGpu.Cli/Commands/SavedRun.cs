using VaeGpu.Accelerators;
using VaeGpu.Cli.Configuration;
using VaeGpu.Cli.Runs;
using VaeGpu.Configuration;
using VaeGpu.Data;
using VaeGpu.Io;
using VaeGpu.Model;

namespace VaeGpu.Cli.Commands;

/// <summary>
/// A trained run opened for eval, sample or reconstruct: its options, checkpoint and model on a device.
/// The run directory stays locked while it is open, so a training cannot rewrite the checkpoint under
/// an analysis (or an analysis write beside a training that is about to replace the run).
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
        RunLock runLock = RunLock.Acquire(run.Path, "Run:Dir");
        IAccelerator? accelerator = null;
        try
        {
            StaleTempFiles.Remove(run.Path);
            CheckpointData checkpoint = Io.Checkpoint.Load(run.Checkpoint);
            (accelerator, _) = AcceleratorFactory.Create(device);
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

    /// <summary>The run's data (its saved Data:Dir unless overridden), checked against the model's input size.</summary>
    public DataSplit Data(CliConsole console)
    {
        DataSplit data = DataLocator.Resolve(Options.Data.Dir);
        if (data.Notice is not null) console.Error.WriteLine($"note: {data.Notice}");
        if (data.Test.PixelsPerImage != Checkpoint.Architecture.InputSize)
            throw new ConfigException("Data:Dir", Options.Data.Dir ?? data.Description,
                $"images have {data.Test.PixelsPerImage} pixels but the model in {Run.Checkpoint} takes {Checkpoint.Architecture.InputSize}");
        return data;
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
        return VaeGpu.Io.OutputPath.EnsureWritableFile(path, "Sample:Out");
    }

    public void Dispose()
    {
        Model.Dispose();
        Accelerator.Dispose();
        _lock.Dispose();
    }
}
