using System.Text;
using static VaeGpu.Accelerators.OpenCl.OpenClNative;

namespace VaeGpu.Accelerators.OpenCl;

/// <summary>A built program; its kernels are created once per name and cached.</summary>
internal sealed unsafe class OpenClProgram : IDisposable
{
    private readonly Dictionary<string, OpenClKernel> _kernels = new(StringComparer.Ordinal);
    private nint _handle;

    internal OpenClProgram(OpenClContext context, nint handle, string buildLog)
    {
        Context = context;
        _handle = handle;
        BuildLog = buildLog;
    }

    public OpenClContext Context { get; }

    /// <summary>The compiler's output for a successful build (warnings), often empty.</summary>
    public string BuildLog { get; }

    public nint Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle == 0, this);
            return _handle;
        }
    }

    /// <summary>The kernel called <paramref name="name"/>; a name not in the program throws (clCreateKernel, CL_INVALID_KERNEL_NAME).</summary>
    public OpenClKernel Kernel(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_kernels.TryGetValue(name, out OpenClKernel? kernel))
            return kernel;
        byte[] bytes = Encoding.UTF8.GetBytes(name + "\0");
        int status;
        nint handle;
        fixed (byte* pointer = bytes)
            handle = clCreateKernel(Handle, pointer, &status);
        if (status != CL_SUCCESS)
            throw new OpenClException(nameof(clCreateKernel), status, $"kernel '{name}'");
        kernel = new OpenClKernel(Context, name, handle);
        _kernels.Add(name, kernel);
        return kernel;
    }

    public void Dispose()
    {
        foreach (OpenClKernel kernel in _kernels.Values)
            kernel.Dispose();
        _kernels.Clear();
        nint handle = _handle;
        _handle = 0;
        if (handle != 0)
            clReleaseProgram(handle);
    }
}
