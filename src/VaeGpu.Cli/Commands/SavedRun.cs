using VaeGpu.Accelerators;
using VaeGpu.Cli.Configuration;
using VaeGpu.Configuration;
using VaeGpu.Data;
using VaeGpu.Io;
using VaeGpu.Model;

namespace VaeGpu.Cli.Commands;

/// <summary>A trained run opened for eval, sample or reconstruct: its options, checkpoint and model on a device.</summary>
public sealed class SavedRun : IDisposable
{
    private SavedRun(VaeGpuOptions options, RunDirectory run, CheckpointData checkpoint, IAccelerator accelerator, VaeModel model)
    {
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
        CheckpointData checkpoint = Io.Checkpoint.Load(run.Checkpoint);
        (IAccelerator accelerator, _) = AcceleratorFactory.Create(device, validator.Kernels());
        try
        {
            var model = new VaeModel(accelerator, checkpoint.Architecture);
            model.Load(new ModelState(checkpoint.Parameters, checkpoint.AdamM, checkpoint.AdamV, checkpoint.Step));
            return new SavedRun(options, run, checkpoint, accelerator, model);
        }
        catch
        {
            accelerator.Dispose();
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

    /// <summary>--out when given, else the named file in the run directory.</summary>
    public string OutputPath(string defaultName) => Options.Sample.Out is { } path ? Path.GetFullPath(path) : Run.File(defaultName);

    public void Dispose()
    {
        Model.Dispose();
        Accelerator.Dispose();
    }
}
