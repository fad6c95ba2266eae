using System.Reflection;

namespace VaeGpu.Kernels;

/// <summary>One kernel method as the offline compile checks and benchmarks see it.</summary>
/// <param name="Name">"LinearKernels.Forward".</param>
/// <param name="Method">The (closed) kernel method.</param>
/// <param name="ExplicitlyGrouped">True for group/shared-memory kernels (KernelConfig), false for Index1D ones.</param>
/// <param name="UsesFma">Whether the kernel asks for <see cref="Fused.MultiplyAdd"/> (the GEMMs, the fused head); no other kernel may contain a float FMA.</param>
/// <param name="RegisterBlocked">A GEMM over <see cref="GemmCore"/>: its S×S accumulators must stay in registers (at least 16 FFMA, no LDL/STL).</param>
public sealed record KernelEntry(string Name, MethodInfo Method, bool ExplicitlyGrouped, bool UsesFma, bool RegisterBlocked = false);

/// <summary>Every device kernel of this project (each GEMM once per version), instantiated for the GPU tile.</summary>
public static class KernelCatalog
{
    public static IReadOnlyList<KernelEntry> All { get; } =
    [
        .. Gemms(typeof(LinearKernels), nameof(LinearKernels.Forward), KernelVersions.LatestLinear),
        .. Gemms(typeof(LinearKernels), nameof(LinearKernels.BackwardWeights), KernelVersions.LatestLinear),
        .. Gemms(typeof(LinearKernels), nameof(LinearKernels.BackwardInput), KernelVersions.LatestLinear),
        Implicit(typeof(LinearKernels), nameof(LinearKernels.ColumnSums)),
        .. Gemms(typeof(LinearGroupedKernels), nameof(LinearGroupedKernels.Backward), KernelVersions.LatestLinear),
        .. Gemms(typeof(GatherLinearKernels), nameof(GatherLinearKernels.Forward), KernelVersions.LatestLinear),
        .. Gemms(typeof(ElboKernels), nameof(ElboKernels.Output), KernelVersions.LatestElbo),
        Implicit(typeof(ElboKernels), nameof(ElboKernels.RowSums)),
        .. Gemms(typeof(ConvKernels), nameof(ConvKernels.Forward), KernelVersions.LatestConv),
        .. Gemms(typeof(ConvKernels), nameof(ConvKernels.BackwardWeights), KernelVersions.LatestConv),
        .. Gemms(typeof(ConvKernels), nameof(ConvKernels.BackwardInput), KernelVersions.LatestConv),
        .. Gemms(typeof(ConvKernels), nameof(ConvKernels.TransposeForward), KernelVersions.LatestConv),
        .. Gemms(typeof(ConvKernels), nameof(ConvKernels.TransposeBackwardInput), KernelVersions.LatestConv),
        .. Gemms(typeof(ConvKernels), nameof(ConvKernels.TransposeLoss), KernelVersions.LatestConv),
        Implicit(typeof(BatchNormKernels), nameof(BatchNormKernels.ChannelPartials)),
        Implicit(typeof(BatchNormKernels), nameof(BatchNormKernels.Moments)),
        Implicit(typeof(BatchNormKernels), nameof(BatchNormKernels.RunningMoments)),
        Implicit(typeof(BatchNormKernels), nameof(BatchNormKernels.Normalize)),
        Implicit(typeof(BatchNormKernels), nameof(BatchNormKernels.BackwardPartials)),
        Implicit(typeof(BatchNormKernels), nameof(BatchNormKernels.BackwardTotals)),
        Implicit(typeof(BatchNormKernels), nameof(BatchNormKernels.BackwardInput)),
        Implicit(typeof(ElboKernels), nameof(ElboKernels.LogSigmaGradient)),
        Implicit(typeof(ReparameterizeKernels), nameof(ReparameterizeKernels.Forward)),
        Implicit(typeof(ReparameterizeKernels), nameof(ReparameterizeKernels.Backward)),
        Implicit(typeof(ReparameterizeKernels), nameof(ReparameterizeKernels.PhiloxBits)),
        Grouped(typeof(HeadSampleKernels), nameof(HeadSampleKernels.Forward), fma: true),
        Implicit(typeof(AdamKernels), nameof(AdamKernels.Step)),
        Implicit(typeof(ShardSumKernels), nameof(ShardSumKernels.Sum)),
        Grouped(typeof(ReduceKernels), nameof(ReduceKernels.Sum), fma: false),
        Grouped(typeof(ReduceKernels), nameof(ReduceKernels.SumToSlot), fma: false),
        Grouped(typeof(ReduceKernels), nameof(ReduceKernels.FinishStep), fma: false),
        Implicit(typeof(ReduceKernels), nameof(ReduceKernels.GatherRows)),
        Implicit(typeof(ReduceKernels), nameof(ReduceKernels.GatherBatch)),
        Implicit(typeof(ReduceKernels), nameof(ReduceKernels.AdvanceCounter)),
    ];

    /// <summary>A GEMM kernel at every version 1..<paramref name="latest"/>, so a new version is checked without a line here.</summary>
    private static IEnumerable<KernelEntry> Gemms(Type type, string name, int latest) =>
        Enumerable.Range(1, latest).Select(version => Gemm(type, name, version));

    /// <summary>A GEMM kernel at <paramref name="version"/> (its register block type argument, from <see cref="KernelVersionMap"/>): "LinearKernels.Forward v2".</summary>
    private static KernelEntry Gemm(Type type, string name, int version)
    {
        MethodInfo method = KernelVersionMap.Block(version, $"{type.Name}.{name}", new GpuGemm(type.GetMethod(name, BindingFlags.Public | BindingFlags.Static)!));
        return new KernelEntry($"{type.Name}.{name} v{version}", method, ExplicitlyGrouped: true, UsesFma: true, RegisterBlocked: true);
    }

    /// <summary>A GEMM kernel closed over the GPU tile and one register block.</summary>
    private sealed class GpuGemm(MethodInfo definition) : IBlockChoice<MethodInfo>
    {
        public MethodInfo With<TBlock>() where TBlock : struct, IRegisterBlock => definition.MakeGenericMethod(typeof(GpuTile), typeof(TBlock));
    }

    private static KernelEntry Grouped(Type type, string name, bool fma)
    {
        MethodInfo method = type.GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;
        if (method.IsGenericMethodDefinition) method = method.MakeGenericMethod(typeof(GpuTile));
        return new KernelEntry($"{type.Name}.{name}", method, ExplicitlyGrouped: true, fma);
    }

    private static KernelEntry Implicit(Type type, string name) =>
        new($"{type.Name}.{name}", type.GetMethod(name, BindingFlags.Public | BindingFlags.Static)!, ExplicitlyGrouped: false, UsesFma: false);
}
