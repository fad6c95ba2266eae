namespace VaeGpu.Kernels;

/// <summary>
/// Compile-time geometry of the tiled GEMMs, as a struct type argument that ILGPU folds into
/// constants (shared-memory sizes must be constants). A group of ThreadsN × ThreadsM threads computes
/// a (S·ThreadsM) × (S·ThreadsN) block of C, each thread an S×S register block held in scalar fields
/// (<see cref="IRegisterBlock"/>: S = 4 at version 1, 8 at version 2), with K streamed through shared
/// memory in slices of TileK. A kernel research version is a new tile type or a new numbered kernel.
/// </summary>
public interface IGemmTile
{
    int ThreadsM { get; }
    int ThreadsN { get; }
    int TileK { get; }
}

/// <summary>
/// The GPU tile: 16×16 threads, 64×64 outputs per group, K in slices of 16 (4 KiB of A and of B in
/// shared memory): the shape of the OpenCL kernels this replaces.
/// </summary>
public readonly struct GpuTile : IGemmTile
{
    public int ThreadsM => 16;
    public int ThreadsN => 16;
    public int TileK => 16;
}

/// <summary>
/// ILGPU's CPU accelerator runs one OS thread per lane and allows 16 lanes per group: 4×4 threads,
/// 16×16 outputs per group, and long K slices so that a GEMM needs few barriers.
/// </summary>
public readonly struct CpuTile : IGemmTile
{
    public int ThreadsM => 4;
    public int ThreadsN => 4;
    public int TileK => 64;
}
