using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace VaeGpu.Kernels;

/// <summary>
/// Compiles the kernels without a device, as CI does to check the GPU code on a machine without one:
/// ILGPU's PTX backend for sm_90 (PTX ISA 7.8, the newest that CUDA 11.8's ptxas reads) and its
/// OpenCL backend for OpenCL C 2.0, through the same context set-up as the accelerators (our
/// intrinsics, LibDevice or ILGPU.Algorithms math).
/// </summary>
public sealed class OfflineCompiler : IDisposable
{
    private readonly Context _context;
    private readonly Backend _backend;

    private OfflineCompiler(Context context, Backend backend)
    {
        _context = context;
        _backend = backend;
    }

    public static OfflineCompiler Ptx(LibDeviceFiles? libDevice)
    {
        Context context = KernelContext.Create(_ => { }, libDevice);
        NvvmAPI? nvvm = libDevice is null ? null : NvvmAPI.Create(libDevice.LibNvvm, libDevice.LibDevice);
        var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90,
            CudaInstructionSet.ISA_78, nvvm);
        return new OfflineCompiler(context, backend);
    }

    public static OfflineCompiler OpenCl()
    {
        Context context = KernelContext.Create(_ => { }, libDevice: null);
        // A device with what ILGPU's OpenCL backend needs (2.0, generic address space) and doubles.
        var constructor = typeof(CLCapabilityContext).GetConstructors().Single(c => c.GetParameters().Length > 1);
        object[] flags = constructor.GetParameters()
            .Select(p => (object)(p.Name!.Contains("Float64", StringComparison.OrdinalIgnoreCase)
                || p.Name.Contains("Generic", StringComparison.OrdinalIgnoreCase)))
            .ToArray();
        var capabilities = (CLCapabilityContext)constructor.Invoke(flags);
        var backend = new CLBackend(context, capabilities, CLDeviceVendor.Other, CLCVersion.CL20);
        return new OfflineCompiler(context, backend);
    }

    /// <summary>The kernel's PTX assembly or OpenCL C source.</summary>
    public string Compile(KernelEntry kernel)
    {
        EntryPointDescription entry = kernel.ExplicitlyGrouped
            ? EntryPointDescription.FromExplicitlyGroupedKernel(kernel.Method)
            : EntryPointDescription.FromImplicitlyGroupedKernel(kernel.Method);
        CompiledKernel compiled = _backend.Compile(entry, KernelSpecialization.Empty);
        return compiled switch
        {
            PTXCompiledKernel ptx => ptx.PTXAssembly,
            CLCompiledKernel cl => cl.Source,
            _ => throw new InvalidOperationException($"unexpected compiled kernel {compiled.GetType().Name}"),
        };
    }

    public void Dispose()
    {
        _backend.Dispose();
        _context.Dispose();
    }
}
