using System.Buffers.Binary;
using System.IO.Compression;
using Crc32 = System.IO.Hashing.Crc32;

namespace VaeGpu.Data;

/// <summary>
/// Reads a gzip file decompressed, refusing a truncated or corrupt one: .NET's GZipStream decodes (it
/// is the fast one), and when it reaches its end the CRC-32 and length of everything it gave out are
/// compared with the file's last 8 bytes (the gzip trailer: CRC-32, then the length mod 2^32). Only
/// when they differ (a cut or damaged file, or a whole file of several concatenated members, whose
/// last trailer covers only the last member) does <see cref="GzipVerdict"/> decode it again to decide.
/// The output streams through, so a table larger than memory's largest array still reads.
/// </summary>
internal sealed class GzipFile : Stream
{
    private readonly Stream _compressed;
    private readonly long _start;
    private readonly string _name;
    private readonly bool _leaveOpen;
    private readonly GZipStream _gzip;
    private readonly (uint Crc, uint Length)? _trailer;
    private readonly Crc32 _crc = new();
    private long _length;
    private bool _checked;

    /// <param name="compressed">A seekable stream positioned at the gzip magic bytes.</param>
    /// <param name="name">Names the file in error messages.</param>
    public GzipFile(Stream compressed, string name, bool leaveOpen = false)
    {
        if (!compressed.CanSeek) throw new ArgumentException("the trailer is read from the end: the stream must be seekable", nameof(compressed));
        (_compressed, _start, _name, _leaveOpen) = (compressed, compressed.Position, name, leaveOpen);
        _trailer = ReadTrailer(compressed, _start);
        _gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
    }

    public override int Read(Span<byte> buffer)
    {
        if (_checked || buffer.IsEmpty) return 0;
        int read;
        try
        {
            read = _gzip.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            // The verdict words it better (truncated or corrupt); .NET's own text stands if it finds no fault.
            Verdict();
            throw GzipVerdict.Damaged(_name, e.Message);
        }
        if (read == 0)
        {
            CheckEnd();
            return 0;
        }
        _crc.Append(buffer[..read]);
        _length += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>
    /// Reads to the end and checks the file, so that a reader which found a defect in the content can
    /// blame a damaged gzip file instead (garbage out of a corrupt stream is not the user's table).
    /// </summary>
    public void CheckToEnd()
    {
        Span<byte> sink = stackalloc byte[4096];
        while (Read(sink) > 0) { }
    }

    /// <summary>Runs <paramref name="read"/>; if it reports a user error, a damaged gzip file is reported in its place.</summary>
    public static T BlameDamage<T>(Stream content, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (UserInputException) when (content is GzipFile gzip)
        {
            gzip.CheckToEnd();
            throw;
        }
    }

    private void CheckEnd()
    {
        _checked = true;
        if (_trailer is { } t && t.Crc == _crc.GetCurrentHashAsUInt32() && t.Length == (uint)_length) return;
        (uint crc, long length) = Verdict();
        if (crc != _crc.GetCurrentHashAsUInt32() || length != _length)
        {
            // Both decoders call the file whole but disagree on its content: not something to train on.
            throw new UserInputException($"{_name}: corrupt gzip file: it decompresses to {length} bytes with SharpZipLib but {_length} with .NET; download or copy it again");
        }
    }

    private (uint Crc, long Length) Verdict()
    {
        _checked = true;
        return GzipVerdict.Check(_compressed, _start, _name);
    }

    /// <summary>The last 8 bytes (CRC-32 and ISIZE, little-endian), or null when the file is too short to hold a gzip member.</summary>
    private static (uint Crc, uint Length)? ReadTrailer(Stream compressed, long start)
    {
        const int HeaderAndTrailer = 18; // 10-byte header + 8-byte trailer, the least a gzip member has
        if (compressed.Length - start < HeaderAndTrailer) return null;
        Span<byte> trailer = stackalloc byte[8];
        compressed.Position = compressed.Length - 8;
        compressed.ReadExactly(trailer);
        compressed.Position = start;
        return (BinaryPrimitives.ReadUInt32LittleEndian(trailer), BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gzip.Dispose();
            if (!_leaveOpen) _compressed.Dispose();
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
