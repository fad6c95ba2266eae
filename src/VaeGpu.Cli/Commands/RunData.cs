using VaeGpu.Configuration;
using VaeGpu.Data;
using VaeGpu.Data.Sources;

namespace VaeGpu.Cli.Commands;

/// <summary>The data a run trains on or is evaluated with, from its Data:* settings.</summary>
public static class RunData
{
    /// <summary>The raw split (tables not yet standardized): the training split is what standardization is fitted on.</summary>
    public static DataSplit Load(VaeGpuOptions options, OptionsValidator validator, ulong seed) =>
        DataSource.Load(options.Data.Dir, options.Data.Test, validator.Data(), seed);
}
