using SkiaSharp;
using VaeGpu.Data;
using VaeGpu.Data.Images;
using VaeGpu.Io;

namespace VaeGpu.Tests.Data;

/// <summary>Image folders through SkiaSharp: grey bytes unchanged, RGB channels, resizing, labels from subfolders.</summary>
public sealed class ImageFolderReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly System.Random _random = new();

    public void Dispose() => _temp.Dispose();

    private static void WriteRgbPng(string path, int width, int height, Func<int, int, SKColor> color)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) bitmap.SetPixel(x, y, color(x, y));
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, png.ToArray());
    }

    [Fact]
    public void Grey_png_bytes_come_back_unchanged_in_path_order()
    {
        string folder = _temp.SubDirectory("grey");
        int width = _random.Next(1, 12), height = _random.Next(1, 12);
        var images = new List<byte[]>();
        for (int i = 0; i < 5; i++)
        {
            byte[] pixels = Enumerable.Range(0, width * height).Select(_ => (byte)_random.Next(256)).ToArray();
            images.Add(pixels);
            PngWriter.WriteGrayscale(Path.Combine(folder, $"img{i}.png"), pixels, width, height);
        }
        ImageSet set = ImageFolderReader.Read(folder, DataSettings.Default);
        Assert.Equal((5, height, width, 1), (set.Count, set.ImageRows, set.ImageCols, set.Channels));
        Assert.Equal(images.SelectMany(p => p), set.Pixels);
        Assert.Null(set.Labels);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"img{i}.png"), set.Ids!);
    }

    [Fact]
    public void Rgb_images_of_any_size_are_resized_and_labelled_by_subfolder()
    {
        string folder = _temp.File("rgb");
        Directory.CreateDirectory(Path.Combine(folder, "red"));
        Directory.CreateDirectory(Path.Combine(folder, "blue"));
        WriteRgbPng(Path.Combine(folder, "red", "a.png"), 20, 10, (_, _) => new SKColor(250, 0, 0));
        WriteRgbPng(Path.Combine(folder, "blue", "b.png"), 7, 9, (_, _) => new SKColor(0, 0, 240));
        ImageSet set = ImageFolderReader.Read(folder, DataSettings.Default with { Width = 4, Height = 3, Rgb = true });
        Assert.Equal((2, 3, 4, 3), (set.Count, set.ImageRows, set.ImageCols, set.Channels));
        Assert.Equal(4 * 3 * 3, set.PixelsPerImage);
        Assert.Equal(["blue", "red"], set.LabelNames!);
        Assert.Equal([(byte)0, (byte)1], set.Labels!); // blue/b.png sorts before red/a.png
        // A flat colour stays that colour when resized.
        Assert.All(Enumerable.Range(0, 12), p => Assert.Equal(new byte[] { 0, 0, 240 }, set.Image(0).Slice(p * 3, 3).ToArray()));
        Assert.All(Enumerable.Range(0, 12), p => Assert.Equal(new byte[] { 250, 0, 0 }, set.Image(1).Slice(p * 3, 3).ToArray()));

        // Read as grey, a red image becomes one luminance channel: darker than white, brighter than black.
        ImageSet grey = ImageFolderReader.Read(folder, DataSettings.Default with { Width = 4, Height = 3 });
        Assert.Equal(1, grey.Channels);
        Assert.InRange(grey.Image(1)[0], 20, 200);
    }

    [Fact]
    public void Jpeg_files_decode_to_their_size_and_near_their_colour()
    {
        string folder = _temp.SubDirectory("jpeg");
        int width = _random.Next(8, 20), height = _random.Next(8, 20);
        byte level = (byte)_random.Next(40, 216);
        using (var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque)))
        {
            bitmap.Erase(new SKColor(level, level, level));
            using SKData jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
            File.WriteAllBytes(Path.Combine(folder, "flat.jpeg"), jpeg.ToArray());
        }
        ImageSet set = ImageFolderReader.Read(folder, DataSettings.Default);
        Assert.Equal((1, height, width), (set.Count, set.ImageRows, set.ImageCols));
        Assert.All(set.Pixels.ToArray(), p => Assert.InRange(p, level - 3, level + 3)); // JPEG is lossy
    }
}
