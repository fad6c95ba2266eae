namespace VaeGpu.Io;

/// <summary>An 8-bit grayscale picture: Width × Height bytes, row-major.</summary>
public sealed record GridImage(byte[] Pixels, int Width, int Height)
{
    public void WritePng(string path) => PngWriter.WriteGrayscale(path, Pixels, Width, Height);
}
