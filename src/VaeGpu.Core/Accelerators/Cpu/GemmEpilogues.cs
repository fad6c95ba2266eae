using VaeGpu.Kernels;
namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// What runs on a block of C right after the GEMM wrote it, while it is still in cache. Struct
/// implementations let the JIT specialize and inline the GEMM for each epilogue.
/// </summary>
internal unsafe interface IGemmEpilogue
{
    /// <summary>True when Apply needs whole rows (a per-row loss); the GEMM then never splits columns.</summary>
    bool NeedsWholeRows { get; }

    void Apply(float* c, int ldc, int row0, int rows, int column0, int columns);
}

/// <summary>
/// An epilogue whose per-row operands can start further down: the cpu convolutions multiply their rows in
/// chunks (C, and every per-row operand, moved by the chunk's first row), which changes no row's arithmetic.
/// </summary>
internal interface IRowShiftable<TSelf> where TSelf : struct, IGemmEpilogue
{
    /// <summary>The same epilogue for a C (of rows of <paramref name="rowLength"/> floats) that starts <paramref name="rows"/> rows further down.</summary>
    TSelf ShiftedBy(int rows, int rowLength);
}

/// <summary>Plain C = A·B (weight gradients).</summary>
internal readonly unsafe struct NoEpilogue : IGemmEpilogue
{
    public bool NeedsWholeRows => false;

    public void Apply(float* c, int ldc, int row0, int rows, int column0, int columns) { }
}

/// <summary>C = act(C + bias): the forward pass of a linear layer.</summary>
internal readonly unsafe struct BiasActivationEpilogue(float* bias, Activation activation)
    : IGemmEpilogue, IRowShiftable<BiasActivationEpilogue>
{
    /// <summary>The bias is per column: nothing moves.</summary>
    public BiasActivationEpilogue ShiftedBy(int rows, int rowLength) => this;

    public bool NeedsWholeRows => false;

    public void Apply(float* c, int ldc, int row0, int rows, int column0, int columns)
    {
        var biasPart = new ReadOnlySpan<float>(bias + column0, columns);
        for (int r = row0; r < row0 + rows; r++)
        {
            var row = new Span<float>(c + (nint)r * ldc + column0, columns);
            System.Numerics.Tensors.TensorPrimitives.Add(row, biasPart, row);
            ActivationKernels.ApplyInPlace(row, activation);
        }
    }
}

/// <summary>C = C ⊙ act'(y), y the layer input (the lower layer's output): the dX of a backward pass.</summary>
internal readonly unsafe struct ActivationDerivativeEpilogue(float* y, int ldy, Activation activation)
    : IGemmEpilogue, IRowShiftable<ActivationDerivativeEpilogue>
{
    public ActivationDerivativeEpilogue ShiftedBy(int rows, int rowLength) => new(y + (nint)rows * ldy, ldy, activation);

    public bool NeedsWholeRows => false;

    public void Apply(float* c, int ldc, int row0, int rows, int column0, int columns)
    {
        if (activation == Activation.Identity) return;
        for (int r = row0; r < row0 + rows; r++)
            ActivationKernels.MultiplyByDerivative(
                new Span<float>(c + (nint)r * ldc + column0, columns),
                new ReadOnlySpan<float>(y + (nint)r * ldy + column0, columns), activation);
    }
}

/// <summary>
/// Copies a stride phase's GEMM rows (its positions from <paramref name="first"/> on) to their rows of the large
/// image's output: the raw sums, whose epilogue runs afterwards over the whole output (<see cref="EpilogueRows{TEpilogue}"/>).
/// </summary>
internal readonly unsafe struct ScatterPhaseRows(float* output, int rowLength, ConvShape shape, StridePhase phase, int first)
    : IGemmEpilogue
{
    public bool NeedsWholeRows => false;

    public void Apply(float* c, int ldc, int row0, int rows, int column0, int columns)
    {
        for (int r = row0; r < row0 + rows; r++)
            new ReadOnlySpan<float>(c + (nint)r * ldc + column0, columns)
                .CopyTo(new Span<float>(output + phase.LargeRow(shape, first + r) * rowLength + column0, columns));
    }
}

/// <summary>An epilogue run over finished sums, a range of rows at a time, as a job for the worker pool.</summary>
internal readonly unsafe struct EpilogueRows<TEpilogue>(TEpilogue epilogue, float* c, int ldc) : IRangeJob
    where TEpilogue : struct, IGemmEpilogue
{
    public void Run(int start, int end) => epilogue.Apply(c, ldc, start, end - start, 0, ldc);
}
