using ILGPU;
using ILGPU.Algorithms;
using ILGPU.IR;

namespace VaeGpu.Kernels;

/// <summary>LibDevice's two files (from a CUDA toolkit): what CUDA's double exp/log/sin/cos compile against.</summary>
public sealed record LibDeviceFiles(string LibNvvm, string LibDevice);

/// <summary>
/// Builds the ILGPU context that every VaeGpu accelerator and the offline PTX/OpenCL checks use:
/// our intrinsics (<see cref="KernelIntrinsics"/>) are registered before the context exists, and the
/// double-precision math that <see cref="ExactMath"/> needs on CUDA comes from LibDevice when its
/// files are given, else from ILGPU.Algorithms' software implementations (correctly rounded once
/// cast to float here, but ~1,300 instructions an exp).
/// </summary>
public static class KernelContext
{
    public static Context Create(Action<Context.Builder> devices, LibDeviceFiles? libDevice) =>
        Context.Create(builder =>
        {
            devices(builder);
            builder.Optimize(OptimizationLevel.O2);
            KernelIntrinsics.Register(builder.GetIntrinsicManager());
            if (libDevice is not null) builder.LibDevice(libDevice.LibNvvm, libDevice.LibDevice);
            else builder.EnableAlgorithms();
        });
}
