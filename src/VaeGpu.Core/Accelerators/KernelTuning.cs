namespace VaeGpu.Accelerators;

/// <summary>
/// The tuning parameters that kernels/*.cl read as #defines, injected when the program is built.
/// The host computes launch geometry from the same values, so they live in one place.
/// </summary>
public sealed record KernelTuning(int TileM = 64, int TileN = 64, int TileK = 16, int WorkPerThreadM = 4,
    int WorkPerThreadN = 4, int ReduceGroup = 256, int ElementGroup = 256)
{
    public static KernelTuning Default { get; } = new();

    public int ThreadsM => TileM / WorkPerThreadM;
    public int ThreadsN => TileN / WorkPerThreadN;

    /// <summary>-D options for the program build.</summary>
    public IReadOnlyDictionary<string, int> Defines => new Dictionary<string, int>
    {
        ["TILE_M"] = TileM,
        ["TILE_N"] = TileN,
        ["TILE_K"] = TileK,
        ["WPT_M"] = WorkPerThreadM,
        ["WPT_N"] = WorkPerThreadN,
        ["REDUCE_GROUP"] = ReduceGroup,
    };

    /// <summary>Throws when the values cannot work (tiles must divide evenly, the reduce group must be a power of two).</summary>
    public void Validate(ulong maxWorkGroupSize)
    {
        if (TileM % WorkPerThreadM != 0 || TileN % WorkPerThreadN != 0)
            throw new ArgumentException($"tiles {TileM}×{TileN} are not multiples of the work per thread {WorkPerThreadM}×{WorkPerThreadN}");
        if ((ulong)(ThreadsM * ThreadsN) > maxWorkGroupSize || (ulong)ReduceGroup > maxWorkGroupSize || (ulong)ElementGroup > maxWorkGroupSize)
            throw new ArgumentException($"a work-group of {Math.Max(ThreadsM * ThreadsN, Math.Max(ReduceGroup, ElementGroup))} exceeds the device's {maxWorkGroupSize}");
        if (ReduceGroup < 1 || (ReduceGroup & (ReduceGroup - 1)) != 0)
            throw new ArgumentException($"REDUCE_GROUP {ReduceGroup} is not a power of two");
    }
}
