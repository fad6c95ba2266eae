using ILGPU;

namespace VaeGpu.Kernels;

/// <summary>
/// A thread's square block of GEMM outputs held in registers, as a struct type argument of the GEMM
/// kernels: <see cref="Block4x4"/> is version 1 of the linear and ELBO-output kernels,
/// <see cref="Block8x8"/> version 2. Every version sums k in the same order with one FMA per term, so
/// all versions give the same bits (and the CPU's).
/// </summary>
public interface IRegisterBlock
{
    /// <summary>Rows (= columns) of the block.</summary>
    int Size { get; }

    /// <summary>One k term for the whole block, its operands read from the shared-memory tiles.</summary>
    void Accumulate(ArrayView<float> aTile, int aAt, int aStride, ArrayView<float> bTile, int bAt, int bStride);

    float Get(int i, int j);
}
