using VaeGpu.Io;
using VaeGpu.Tests.Data;

namespace VaeGpu.Tests.Io;

public sealed class PngWriterTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(1, 1)]
    [InlineData(17, 5)]
    [InlineData(64, 128)]
    public void Written_png_decodes_to_the_same_pixels(int width, int height)
    {
        byte[] pixels = IdxBytes.RandomBytes(seed: width * 1000 + height, width * height);
        string path = _temp.File("image.png");

        PngWriter.WriteGrayscale(path, pixels, width, height);
        PngReader.Decoded png = PngReader.Decode(File.ReadAllBytes(path));

        Assert.Equal(width, png.Width);
        Assert.Equal(height, png.Height);
        Assert.Equal(pixels, png.Pixels);
        Assert.Equal(["IHDR", "IDAT", "IEND"], png.ChunkTypes);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(13, 7)]
    public void Written_rgb_png_decodes_to_the_same_interleaved_bytes(int width, int height)
    {
        byte[] pixels = IdxBytes.RandomBytes(seed: width * 1000 + height + 7, 3 * width * height);
        string path = _temp.File("rgb.png");

        PngWriter.Write(path, pixels, width, height, channels: 3);
        PngReader.Decoded png = PngReader.Decode(File.ReadAllBytes(path));

        Assert.Equal((width, height, 3), (png.Width, png.Height, png.Channels));
        Assert.Equal(pixels, png.Pixels);
    }

    [Fact]
    public void Rgb_pixel_count_must_match_the_size_and_other_channel_counts_are_refused()
    {
        Assert.Throws<ArgumentException>(() => PngWriter.Encode(new byte[2 * 3], 2, 3, channels: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngWriter.Encode(new byte[2 * 3 * 2], 2, 3, channels: 2));
    }

    [Fact]
    public void Pixel_count_must_match_the_size()
    {
        Assert.Throws<ArgumentException>(() => PngWriter.EncodeGrayscale(new byte[5], 2, 3));
    }

    [Fact]
    public void Writing_leaves_no_temporary_files_behind()
    {
        PngWriter.WriteGrayscale(_temp.File("a.png"), new byte[4], 2, 2);
        Assert.Equal(["a.png"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName));
    }
}
