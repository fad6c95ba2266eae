using System.Runtime.InteropServices;

namespace VaeGpu.Distributed;

/// <summary>
/// The Open MPI calls data-parallel training uses so far (init, rank and size, allgather, finalize), bound by hand: MPI.NET 1.4.0, the binding NuGet serves, is
/// built against Windows' MS-MPI, whose handles are integers, while Open MPI's are the addresses of objects its
/// library exports (MPI_COMM_WORLD is &amp;ompi_mpi_comm_world, MPI_FLOAT &amp;ompi_mpi_float). Debian's openmpi-bin
/// 4.1 (libmpi.so.40) is the one this is written and tested against. Every call's status is checked: a failure
/// throws <see cref="MpiException"/> naming the call and Open MPI's own text for the status.
/// One instance per process: <see cref="Initialize"/> calls MPI_Init, <see cref="Dispose"/> MPI_Finalize.
/// </summary>
public sealed unsafe class OpenMpi : IShardExchange, IDisposable
{
    private const string Library = "libmpi.so.40";
    private const int RtldNow = 2, RtldGlobal = 0x100;

    private readonly nint _library, _world, _float;
    private readonly delegate* unmanaged<int*, nint*, int> _init;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<nint, int*, int> _rank, _size;
    private readonly delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> _allgather;
    private readonly delegate* unmanaged<int, byte*, int*, int> _errorString;
    private bool _finalized;

    private OpenMpi(nint library)
    {
        _library = library;
        _world = Export("ompi_mpi_comm_world");
        _float = Export("ompi_mpi_float");
        _init = (delegate* unmanaged<int*, nint*, int>)Export("MPI_Init");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        _rank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        _size = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        _allgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)Export("MPI_Allgather");
        _errorString = (delegate* unmanaged<int, byte*, int*, int>)Export("MPI_Error_string");
    }

    /// <summary>Whether this process was started by mpirun (Open MPI sets OMPI_COMM_WORLD_SIZE in every rank's environment).</summary>
    public static bool Launched => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null;

    public int Rank { get; private set; }

    public int Size { get; private set; }

    int IShardExchange.Ranks => Size;

    /// <summary>Loads libmpi and calls MPI_Init; throws <see cref="MpiException"/> when Open MPI is not installed or does not start.</summary>
    public static OpenMpi Initialize()
    {
        // RTLD_GLOBAL: Open MPI loads its components (the transports) as plugins that resolve libmpi's symbols from the
        // global scope, which NativeLibrary.Load (RTLD_LOCAL) would hide from them.
        nint library = dlopen(Library, RtldNow | RtldGlobal);
        if (library == 0)
            throw new MpiException($"dlopen({Library}) failed: {Marshal.PtrToStringUTF8(dlerror()) ?? "unknown error"} (install openmpi-bin)");
        var mpi = new OpenMpi(library);
        mpi.Check("MPI_Init", mpi._init(null, null));
        int rank, size;
        mpi.Check("MPI_Comm_rank", mpi._rank(mpi._world, &rank));
        mpi.Check("MPI_Comm_size", mpi._size(mpi._world, &size));
        mpi.Rank = rank;
        mpi.Size = size;
        return mpi;
    }

    /// <summary>all = every rank's <paramref name="mine"/>, rank after rank (MPI_Allgather of floats).</summary>
    public void AllGather(ReadOnlySpan<float> mine, Span<float> all)
    {
        if (all.Length != (long)mine.Length * Size)
            throw new ArgumentException($"AllGather: {Size} ranks of {mine.Length} floats need {(long)mine.Length * Size}, not {all.Length}");
        fixed (float* send = mine)
        fixed (float* receive = all)
            Check("MPI_Allgather", _allgather(send, mine.Length, _float, receive, mine.Length, _float, _world));
    }

    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        Check("MPI_Finalize", _finalize());
    }

    private nint Export(string name) =>
        NativeLibrary.TryGetExport(_library, name, out nint address)
            ? address
            : throw new MpiException($"{Library} does not export {name}: not Open MPI 4 (this binding needs its symbols)");

    private void Check(string call, int status)
    {
        if (status == 0) return; // MPI_SUCCESS
        byte* text = stackalloc byte[512]; // MPI_MAX_ERROR_STRING is 256 in Open MPI
        int length = 0;
        string message = _errorString(status, text, &length) == 0 ? Marshal.PtrToStringUTF8((nint)text, length) : "no text for it";
        throw new MpiException($"{call} failed with status {status}: {message}");
    }

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern nint dlopen([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int mode);

    [DllImport("libc", EntryPoint = "dlerror")]
    private static extern nint dlerror();
}

/// <summary>An Open MPI call that failed, or Open MPI that could not be loaded: the call and its status in the message.</summary>
public sealed class MpiException(string message) : Exception(message);
