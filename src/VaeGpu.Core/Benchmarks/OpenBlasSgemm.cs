using System.Runtime.InteropServices;

namespace VaeGpu.Benchmarks;

/// <summary>
/// OpenBLAS's cblas_sgemm through P/Invoke, for benchmarks only: the ceiling that the kernels are
/// compared against, never a code path of the trainer. Debian: apt-get install libopenblas0-pthread.
/// </summary>
public sealed unsafe class OpenBlasSgemm : IDisposable
{
    public const string Library = "libopenblas.so.0";
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private readonly nint _library;
    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private float[] _x = [], _w = [], _y = [];
    private int _rows, _inFeatures, _outFeatures;

    private OpenBlasSgemm(nint library, nint sgemm, string? version)
    {
        _library = library;
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
        Version = version;
    }

    /// <summary>"OpenBLAS 0.3.21 ... Haswell MAX_THREADS=64" when the library says.</summary>
    public string? Version { get; }

    /// <summary>The library if it loads, else null and why not.</summary>
    public static OpenBlasSgemm? TryLoad(out string? why)
    {
        why = null;
        if (!NativeLibrary.TryLoad(Library, out nint library))
        {
            why = $"{Library} not found (apt-get install libopenblas0-pthread)";
            return null;
        }
        if (!NativeLibrary.TryGetExport(library, "cblas_sgemm", out nint sgemm))
        {
            NativeLibrary.Free(library);
            why = $"{Library} has no cblas_sgemm";
            return null;
        }
        string? version = null;
        if (NativeLibrary.TryGetExport(library, "openblas_get_config", out nint config))
            version = Marshal.PtrToStringAnsi(((delegate* unmanaged<nint>)config)());
        return new OpenBlasSgemm(library, sgemm, version);
    }

    /// <summary>Sets the shape of <see cref="Run"/>: y[rows × out] = x[rows × in] · w[out × in]ᵀ (LinearForward's product).</summary>
    public void Prepare(int rows, int inFeatures, int outFeatures)
    {
        (_rows, _inFeatures, _outFeatures) = (rows, inFeatures, outFeatures);
        var random = new System.Random(12345);
        _x = new float[rows * inFeatures];
        _w = new float[outFeatures * inFeatures];
        _y = new float[rows * outFeatures];
        for (int i = 0; i < _x.Length; i++) _x[i] = (float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < _w.Length; i++) _w[i] = (float)(random.NextDouble() * 2 - 1) / MathF.Sqrt(inFeatures);
    }

    public double Flops => 2.0 * _rows * _inFeatures * _outFeatures;

    public void Run(int times)
    {
        fixed (float* x = _x, w = _w, y = _y)
        {
            for (int i = 0; i < times; i++)
                _sgemm(RowMajor, NoTrans, Trans, _rows, _outFeatures, _inFeatures, 1f, x, _inFeatures, w, _inFeatures, 0f, y, _outFeatures);
        }
    }

    public void Dispose() => NativeLibrary.Free(_library);
}
