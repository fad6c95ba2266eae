using VaeGpu.Io;
using VaeGpu.Tests.Configuration;
using VaeGpu.Tests.Io;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// An RGB image folder through every verb that draws: the grids are RGB PNGs of the data's colours, and the input
/// row of reconstructions.png holds the test images' own bytes (a channel mix-up or a grey conversion would not).
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which other tests set
public sealed class RgbRunTests : IDisposable
{
    private const int Side = 8, Pad = ImageGrid.Padding;
    private readonly TempDirectory _temp = new();
    private readonly CliHarness _cli = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Images of two colours in random halves, so the three channels differ from each other and from image to image.</summary>
    private static byte[][] WriteFolder(string folder, int count, int seed)
    {
        Directory.CreateDirectory(folder);
        var random = new System.Random(seed);
        var images = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            byte[] a = [(byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)];
            byte[] b = [(byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)];
            int split = random.Next(1, Side);
            images[i] = new byte[Side * Side * 3];
            for (int y = 0; y < Side; y++)
                for (int x = 0; x < Side; x++)
                    for (int c = 0; c < 3; c++)
                        images[i][(y * Side + x) * 3 + c] = x < split ? a[c] : b[c];
            PngWriter.Write(Path.Combine(folder, $"{i:D3}.png"), images[i], Side, Side, channels: 3);
        }
        return images;
    }

    private static PngReader.Decoded Png(string run, string name) => PngReader.Decode(File.ReadAllBytes(Path.Combine(run, name)));

    [Fact]
    public void Rgb_conv_run_draws_rgb_grids_whose_input_row_is_the_test_images()
    {
        string train = _temp.SubDirectory("train"), test = Path.Combine(_temp.Path, "test"), run = _temp.File("run");
        WriteFolder(train, 48, seed: 61);
        byte[][] testImages = WriteFolder(test, 8, seed: 62);

        Assert.True(_cli.Run(["train", "--device", "cpu", "--data", train, "--test", test, "--Data:Color=rgb", "--arch", "conv",
            "--channels", "4", "--latent", "2", "--batch-size", "8", "--epochs", "1", "--out", run]) == 0, _cli.Error);
        Assert.Contains("8×8 RGB", _cli.Output, StringComparison.Ordinal);

        PngReader.Decoded reconstructions = Png(run, "reconstructions.png");
        Assert.Equal(3, reconstructions.Channels);
        int width = 8 * (Side + Pad) + Pad;
        Assert.Equal((width, 2 * (Side + Pad) + Pad), (reconstructions.Width, reconstructions.Height));
        for (int i = 0; i < testImages.Length; i++)
            for (int y = 0; y < Side; y++)
            {
                int at = ((Pad + y) * width + Pad + i * (Side + Pad)) * 3;
                Assert.Equal(testImages[i].AsSpan(y * Side * 3, Side * 3).ToArray(), reconstructions.Pixels.AsSpan(at, Side * 3).ToArray());
            }

        Assert.Equal(3, Png(run, "samples.png").Channels);
        Assert.True(_cli.Run("sample", "--run", run, "--count", "4") == 0, _cli.Error);
        Assert.Equal((3, 2 * Side + 3 * Pad), (Png(run, "sample.png").Channels, Png(run, "sample.png").Width));
        Assert.True(_cli.Run("reconstruct", "--run", run, "--count", "4", "--noise", "0.1") == 0, _cli.Error);
        Assert.True(_cli.Run("interpolate", "--run", run, "--steps", "3") == 0, _cli.Error);
        Assert.True(_cli.Run("latents", "--run", run) == 0, _cli.Error);
        foreach (string grid in Directory.GetFiles(run, "*.png"))
            Assert.Equal(3, PngReader.Decode(File.ReadAllBytes(grid)).Channels);
        Assert.True(Directory.GetFiles(run, "*.png").Length >= 5, string.Join(", ", Directory.GetFiles(run, "*.png").Select(Path.GetFileName)));
    }
}
