namespace VaeGpu.Accelerators.Cuda;

public sealed partial class CudaAccelerator
{
    /// <summary>Every kernel the ops launch (looked up before a capture starts).</summary>
    internal static readonly IReadOnlyList<string> KernelNames =
    [
        "linear_forward", "linear_backward_weights", "column_sums", "linear_backward_input", "reparameterize",
        "reparameterize_backward", "elbo_output", "row_sums", "adam_step", "reduce_sum", "gather_rows",
        "advance_counter", "philox_bits",
    ];

    /// <summary>A graph being captured cannot contain an allocation: the ops' scratch must exist beforehand.</summary>
    protected override string? ScratchAllocationRefused => _capturing
        ? "needs a larger scratch buffer while capturing: run the op once with these shapes before BeginCapture"
        : null;
}
