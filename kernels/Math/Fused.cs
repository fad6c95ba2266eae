using ILGPU.IR.Intrinsics;

namespace VaeGpu.Kernels;

/// <summary>
/// The one fused multiply-add that kernels may use. ILGPU 1.5.3 has no public FMA, and
/// MathF.FusedMultiplyAdd compiles into an unresolved extern on the PTX backend, so this is an
/// intrinsic of our own: <see cref="KernelIntrinsics"/> makes PTX emit <c>fma.rn.f32</c> and OpenCL
/// <c>fma()</c>; ILGPU's CPU accelerator runs the C# body, a hardware FMA, as the managed CPU
/// accelerator's micro-kernels do. Every other float multiply and add stays separately rounded
/// (PTX <c>.rn</c> forms, which ptxas never contracts), so a GEMM that takes one Fma per term in
/// the CPU's k-order produces the CPU's bits.
/// </summary>
public static class Fused
{
    [IntrinsicImplementation]
    public static float MultiplyAdd(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);
}
