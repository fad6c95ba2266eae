namespace VaeGpu.Io;

/// <summary>An 8-bit picture: Width × Height × Channels bytes, row-major, channels interleaved (1 grey, 3 RGB).</summary>
public sealed record GridImage(byte[] Pixels, int Width, int Height, int Channels = 1)
{
    public void WritePng(string path) => PngWriter.Write(path, Pixels, Width, Height, Channels);
}
