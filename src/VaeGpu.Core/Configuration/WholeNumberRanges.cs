namespace VaeGpu.Configuration;

/// <summary>
/// The range of every whole-number setting, in one table that both the validator (which refuses a value
/// outside it) and the configuration checker (which meets a value too large even for an int, before
/// binding) read, so that the two never state different ranges for one key. A test requires an entry
/// for every int setting of <see cref="VaeGpuOptions"/>.
/// </summary>
public static class WholeNumberRanges
{
    public readonly record struct Range(int Min, int Max)
    {
        public bool Contains(int value) => value >= Min && value <= Max;

        /// <summary>"must be at least 0" or "must be 1 to 65536": the validator's wording.</summary>
        public string Requirement => Max == int.MaxValue ? $"must be at least {Min}" : $"must be {Min} to {Max}";

        /// <summary>"a whole number of at least 0" or "a whole number from 1 to 65536".</summary>
        public string Description => Max == int.MaxValue ? $"a whole number of at least {Min}" : $"a whole number from {Min} to {Max}";
    }

    private static readonly Range NonNegative = new(0, int.MaxValue);
    private static readonly Range Positive = new(1, int.MaxValue);

    public static IReadOnlyDictionary<string, Range> ByKey { get; } = new Dictionary<string, Range>(StringComparer.OrdinalIgnoreCase)
    {
        ["Kernels:Linear"] = new(1, Kernels.KernelVersions.LatestLinear),
        ["Kernels:Elbo"] = new(1, Kernels.KernelVersions.LatestElbo),
        ["Kernels:Conv"] = new(1, Kernels.KernelVersions.LatestConv),
        ["Kernels:Step"] = new(1, Kernels.KernelVersions.LatestStep),
        ["Kernels:CpuGemm"] = new(1, Accelerators.Cpu.CpuAccelerator.LatestGemmVersion),
        ["Data:SkipRows"] = NonNegative,
        ["Data:Width"] = new(0, OptionsValidator.MaxWidth),
        ["Data:Height"] = new(0, OptionsValidator.MaxWidth),
        ["Model:Latent"] = new(1, OptionsValidator.MaxLatent),
        ["Training:Epochs"] = Positive,
        ["Training:BatchSize"] = new(1, OptionsValidator.MaxBatchSize),
        ["Training:WarmupSteps"] = NonNegative,
        ["Training:ReportEvery"] = Positive,
        ["Training:EvalBatchSize"] = new(1, OptionsValidator.MaxBatchSize),
        ["Training:ExcludeClass"] = new(-1, 255),
        ["Training:CheckpointEverySteps"] = NonNegative,
        ["Sample:Count"] = new(1, OptionsValidator.MaxSampleCount),
        ["Analysis:ImportanceSamples"] = new(0, OptionsValidator.MaxImportanceSamples),
        ["Analysis:ScoreImportanceSamples"] = new(0, OptionsValidator.MaxImportanceSamples),
        // Test image indices: also below the test set's size, which only the verb knows.
        ["Analysis:From"] = NonNegative,
        ["Analysis:To"] = NonNegative,
        ["Analysis:Steps"] = new(2, OptionsValidator.MaxInterpolationSteps),
        // At most one row per shard.
        ["Distributed:Shards"] = new(1, OptionsValidator.MaxBatchSize),
    };

    public static Range Of(string key) =>
        ByKey.TryGetValue(key, out Range range) ? range : throw new KeyNotFoundException($"no range for whole-number setting {key}; add one to {nameof(WholeNumberRanges)}");
}
