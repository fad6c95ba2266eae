using ILGPU;
using ILGPU.Runtime;

namespace VaeGpu.Kernels;

/// <summary>
/// Every launcher of one accelerator, loaded once (ILGPU compiles a kernel when it is loaded, so nothing
/// compiles inside a training step or a graph capture), with the tile that fits the accelerator and the
/// versions asked for. The accelerator calls the launchers directly; the fused launchers are null where
/// the step runs op by op, and the accelerator then runs the unfused ops.
/// </summary>
public sealed class KernelLaunchers
{
    private KernelLaunchers(KernelVersions versions, LaunchCounter launches, string description, ILinearLauncher linear,
        IElboLauncher elbo, IReduceLauncher reduce, ReparameterizeLauncher reparameterize, AdamLauncher adam, ShardSumLauncher shardSum, IHeadSampleLauncher? headSample,
        Lazy<IConvLauncher> conv, Lazy<BatchNormLauncher> batchNorm)
    {
        _conv = conv;
        _batchNorm = batchNorm;
        Versions = versions;
        Launches = launches;
        Description = description;
        Linear = linear;
        Elbo = elbo;
        Reduce = reduce;
        Reparameterize = reparameterize;
        Adam = adam;
        ShardSum = shardSum;
        HeadSample = headSample;
    }

    public KernelVersions Versions { get; }

    /// <summary>Every kernel launch issued through these launchers.</summary>
    public LaunchCounter Launches { get; }

    /// <summary>"linear v1 (64×64×16 tiles, 4×4 per thread), elbo v1 (...), step v1 (op by op)", for benchmark tables.</summary>
    public string Description { get; }

    public ILinearLauncher Linear { get; }

    public IElboLauncher Elbo { get; }

    public IReduceLauncher Reduce { get; }

    public ReparameterizeLauncher Reparameterize { get; }

    public AdamLauncher Adam { get; }

    public ShardSumLauncher ShardSum { get; }

    /// <summary>The head GEMM and the reparameterization in one launch; null at step version 1.</summary>
    public IHeadSampleLauncher? HeadSample { get; }

    private readonly Lazy<IConvLauncher> _conv;

    /// <summary>
    /// The convolution kernels, loaded (compiled) on first use: an MLP never pays for them. The first use is
    /// outside any CUDA graph capture, where a compile must not happen: the trainer runs the first step of each
    /// batch size op by op and captures only the second (Training/StepGraphs.cs).
    /// </summary>
    public IConvLauncher Conv => _conv.Value;

    private readonly Lazy<BatchNormLauncher> _batchNorm;

    /// <summary>The BatchNorm kernels, loaded on first use as <see cref="Conv"/> is (only a model with Model:Norm = batch needs them).</summary>
    public BatchNormLauncher BatchNorm => _batchNorm.Value;

    /// <summary>Step version 2: the gather with the first layer, the head with the sample, the step's end in one launch each.</summary>
    public bool FusedStep => HeadSample is not null;

    public static KernelLaunchers Load(Accelerator accelerator, KernelVersions versions) =>
        KernelVersionMap.Tile(accelerator.AcceleratorType, new Loader(accelerator, versions));

    private sealed class Loader(Accelerator accelerator, KernelVersions versions) : ITileChoice<KernelLaunchers>
    {
        public KernelLaunchers With<TTile>() where TTile : struct, IGemmTile
        {
            var launches = new LaunchCounter();
            bool fused = KernelVersionMap.FusedStep(versions.Step);
            return new KernelLaunchers(versions, launches, Describe<TTile>(versions, fused),
                KernelVersionMap.Block(versions.Linear, "Kernels:Linear", new LinearChoice<TTile>(accelerator, launches, fused)),
                KernelVersionMap.Block(versions.Elbo, "Kernels:Elbo", new ElboChoice<TTile>(accelerator, launches)),
                new ReduceLauncher<TTile>(accelerator, launches),
                new ReparameterizeLauncher(accelerator, launches),
                new AdamLauncher(accelerator, launches),
                new ShardSumLauncher(accelerator, launches),
                // Loaded only where the step is fused: ILGPU compiles a kernel when it is loaded.
                fused ? new HeadSampleLauncher<TTile>(accelerator, launches) : null,
                new Lazy<IConvLauncher>(() => KernelVersionMap.Block(versions.Conv, "Kernels:Conv", new ConvChoice<TTile>(accelerator, launches))),
                new Lazy<BatchNormLauncher>(() => new BatchNormLauncher(accelerator, launches)));
        }
    }

    private sealed class ConvChoice<TTile>(Accelerator accelerator, LaunchCounter launches) : IBlockChoice<IConvLauncher>
        where TTile : struct, IGemmTile
    {
        public IConvLauncher With<TBlock>() where TBlock : struct, IRegisterBlock => new ConvLauncher<TTile, TBlock>(accelerator, launches);
    }

    private sealed class LinearChoice<TTile>(Accelerator accelerator, LaunchCounter launches, bool fused) : IBlockChoice<ILinearLauncher>
        where TTile : struct, IGemmTile
    {
        public ILinearLauncher With<TBlock>() where TBlock : struct, IRegisterBlock => new LinearLauncher<TTile, TBlock>(accelerator, launches, fused);
    }

    private sealed class ElboChoice<TTile>(Accelerator accelerator, LaunchCounter launches) : IBlockChoice<IElboLauncher>
        where TTile : struct, IGemmTile
    {
        public IElboLauncher With<TBlock>() where TBlock : struct, IRegisterBlock => new ElboLauncher<TTile, TBlock>(accelerator, launches);
    }

    private static string Describe<TTile>(KernelVersions versions, bool fused) where TTile : struct, IGemmTile
    {
        TTile tile = default;
        string Gemm(int version)
        {
            int size = KernelVersionMap.BlockSize(version);
            return $"{size * tile.ThreadsM}×{size * tile.ThreadsN}×{tile.TileK} tiles, {size}×{size} per thread";
        }
        return $"linear v{versions.Linear} ({Gemm(versions.Linear)}), elbo v{versions.Elbo} ({Gemm(versions.Elbo)}), " +
            $"step v{versions.Step} ({(fused ? "fused" : "op by op")}), conv v{versions.Conv} ({Gemm(versions.Conv)})";
    }
}
