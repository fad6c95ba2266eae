using ILGPU;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.IR;
using ILGPU.IR.Intrinsics;
using ILGPU.IR.Values;

namespace VaeGpu.Kernels;

/// <summary>
/// The code ILGPU must emit for the kernels to give the managed CPU accelerator's bits (kernels/README.md,
/// "Rules for device code"), registered through ILGPU's public intrinsic manager before a context is built:
/// - <see cref="Fused.MultiplyAdd"/> becomes <c>fma.rn.f32</c> on PTX and <c>fma()</c> in OpenCL C;
/// - float and double add, subtract and multiply become the <c>.rn</c> PTX forms. ILGPU emits
///   <c>mul.f32</c>/<c>add.f32</c>, which ptxas and the driver contract into FFMA; the
///   explicitly rounded forms are never contracted (what nvcc's <c>--fmad=false</c> does).
/// OpenCL C gets no contraction guard here: ILGPU's OpenCL backend needs OpenCL 2.0 with the generic
/// address space, which none of the devices we can test has (README, accelerator table).
/// </summary>
public static class KernelIntrinsics
{
    public static void Register(IntrinsicImplementationManager manager)
    {
        var fused = typeof(Fused).GetMethod(nameof(Fused.MultiplyAdd))!;
        manager.RegisterMethod(fused, new PTXIntrinsic(typeof(KernelIntrinsics), nameof(PtxFma), IntrinsicImplementationMode.GenerateCode));
        manager.RegisterMethod(fused, new CLIntrinsic(typeof(KernelIntrinsics), nameof(OpenClFma), IntrinsicImplementationMode.GenerateCode));

        foreach (var (kind, name) in new[] { (BinaryArithmeticKind.Add, "add"), (BinaryArithmeticKind.Sub, "sub"), (BinaryArithmeticKind.Mul, "mul") })
        {
            manager.RegisterBinaryArithmetic(kind, BasicValueType.Float32,
                new PTXIntrinsic(typeof(KernelIntrinsics), PtxHandlerName(name, 32), IntrinsicImplementationMode.GenerateCode));
            manager.RegisterBinaryArithmetic(kind, BasicValueType.Float64,
                new PTXIntrinsic(typeof(KernelIntrinsics), PtxHandlerName(name, 64), IntrinsicImplementationMode.GenerateCode));
        }
    }

    private static string PtxHandlerName(string operation, int bits) => operation switch
    {
        "add" => bits == 32 ? nameof(PtxAdd32) : nameof(PtxAdd64),
        "sub" => bits == 32 ? nameof(PtxSub32) : nameof(PtxSub64),
        _ => bits == 32 ? nameof(PtxMul32) : nameof(PtxMul64),
    };

    private static void PtxAdd32(PTXBackend backend, PTXCodeGenerator generator, Value value) => PtxRounded(generator, value, "add.rn.f32");
    private static void PtxSub32(PTXBackend backend, PTXCodeGenerator generator, Value value) => PtxRounded(generator, value, "sub.rn.f32");
    private static void PtxMul32(PTXBackend backend, PTXCodeGenerator generator, Value value) => PtxRounded(generator, value, "mul.rn.f32");
    private static void PtxAdd64(PTXBackend backend, PTXCodeGenerator generator, Value value) => PtxRounded(generator, value, "add.rn.f64");
    private static void PtxSub64(PTXBackend backend, PTXCodeGenerator generator, Value value) => PtxRounded(generator, value, "sub.rn.f64");
    private static void PtxMul64(PTXBackend backend, PTXCodeGenerator generator, Value value) => PtxRounded(generator, value, "mul.rn.f64");

    private static void PtxRounded(PTXCodeGenerator generator, Value value, string instruction)
    {
        var left = generator.LoadPrimitive(value[0]);
        var right = generator.LoadPrimitive(value[1]);
        var target = generator.AllocateHardware(value);
        using var command = generator.BeginCommand(instruction);
        command.AppendArgument(target);
        command.AppendArgument(left);
        command.AppendArgument(right);
    }

    private static void PtxFma(PTXBackend backend, PTXCodeGenerator generator, Value value)
    {
        var a = generator.LoadPrimitive(value[0]);
        var b = generator.LoadPrimitive(value[1]);
        var c = generator.LoadPrimitive(value[2]);
        var target = generator.AllocateHardware(value);
        using var command = generator.BeginCommand("fma.rn.f32");
        command.AppendArgument(target);
        command.AppendArgument(a);
        command.AppendArgument(b);
        command.AppendArgument(c);
    }

    private static void OpenClFma(CLBackend backend, CLCodeGenerator generator, Value value)
    {
        var a = generator.Load(value[0]);
        var b = generator.Load(value[1]);
        var c = generator.Load(value[2]);
        var target = generator.Allocate(value);
        using var statement = generator.BeginStatement(target);
        statement.AppendCommand("fma");
        statement.BeginArguments();
        statement.AppendArgument(a);
        statement.AppendArgument(b);
        statement.AppendArgument(c);
        statement.EndArguments();
    }
}
