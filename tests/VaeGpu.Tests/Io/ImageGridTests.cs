using VaeGpu.Io;

namespace VaeGpu.Tests.Io;

public sealed class ImageGridTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Grid_png_holds_every_image_in_its_tile_with_gray_padding()
    {
        const int count = 7, rows = 5, cols = 4, columns = 3, pad = 2;
        var random = new System.Random(51);
        float[] images = new float[count * rows * cols];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = random.NextSingle();
        }
        string path = _temp.File("grid.png");

        ImageGrid.WritePng(path, images, count, rows, cols, columns);
        PngReader.Decoded png = PngReader.Decode(File.ReadAllBytes(path));

        int width = columns * (cols + pad) + pad;   // 3 tiles across
        int height = 3 * (rows + pad) + pad;        // 7 images need 3 grid rows
        Assert.Equal((width, height), (png.Width, png.Height));

        var isImagePixel = new bool[width * height];
        for (int i = 0; i < count; i++)
        {
            int left = pad + (i % columns) * (cols + pad);
            int top = pad + (i / columns) * (rows + pad);
            for (int y = 0; y < rows; y++)
            {
                for (int x = 0; x < cols; x++)
                {
                    int at = (top + y) * width + left + x;
                    float value = images[(i * rows + y) * cols + x];
                    Assert.Equal((byte)MathF.Round(value * 255f), png.Pixels[at]);
                    isImagePixel[at] = true;
                }
            }
        }
        for (int at = 0; at < png.Pixels.Length; at++)
        {
            if (!isImagePixel[at])
            {
                Assert.Equal(ImageGrid.BorderGray, png.Pixels[at]);
            }
        }
    }

    [Fact]
    public void Rgb_grid_keeps_each_images_channels_in_its_tile_with_gray_padding()
    {
        const int count = 5, rows = 3, cols = 4, columns = 2, pad = 2, channels = 3;
        var random = new System.Random(52);
        float[] images = new float[count * rows * cols * channels];
        for (int i = 0; i < images.Length; i++) images[i] = random.NextSingle();
        string path = _temp.File("rgb-grid.png");

        ImageGrid.WritePng(path, images, count, rows, cols, columns, channels);
        PngReader.Decoded png = PngReader.Decode(File.ReadAllBytes(path));

        int width = columns * (cols + pad) + pad, height = 3 * (rows + pad) + pad;
        Assert.Equal((width, height, channels), (png.Width, png.Height, png.Channels));
        var isImageValue = new bool[png.Pixels.Length];
        for (int i = 0; i < count; i++)
        {
            int left = pad + (i % columns) * (cols + pad), top = pad + (i / columns) * (rows + pad);
            for (int y = 0; y < rows; y++)
                for (int x = 0; x < cols; x++)
                    for (int c = 0; c < channels; c++)
                    {
                        int at = ((top + y) * width + left + x) * channels + c;
                        Assert.Equal((byte)MathF.Round(images[((i * rows + y) * cols + x) * channels + c] * 255f), png.Pixels[at]);
                        isImageValue[at] = true;
                    }
        }
        for (int at = 0; at < png.Pixels.Length; at++)
            if (!isImageValue[at]) Assert.Equal(ImageGrid.BorderGray, png.Pixels[at]);
    }

    [Fact]
    public void Out_of_range_values_are_clamped()
    {
        GridImage grid = ImageGrid.Compose([-0.5f, 1.5f, float.NaN, 0.5f], count: 1, imageRows: 2, imageCols: 2, columns: 1);

        int width = 2 + 2 * 2;
        Assert.Equal((width, width), (grid.Width, grid.Height));
        Assert.Equal(0, grid.Pixels[2 * width + 2]);
        Assert.Equal(255, grid.Pixels[2 * width + 3]);
        Assert.Equal(0, grid.Pixels[3 * width + 2]);
        Assert.Equal(128, grid.Pixels[3 * width + 3]);
    }

    [Fact]
    public void List_overload_matches_the_flat_one()
    {
        float[] a = [0.1f, 0.2f, 0.3f, 0.4f], b = [0.9f, 0.8f, 0.7f, 0.6f];

        GridImage fromList = ImageGrid.Compose([a, b], imageRows: 2, imageCols: 2, columns: 2);
        GridImage fromFlat = ImageGrid.Compose([.. a, .. b], count: 2, imageRows: 2, imageCols: 2, columns: 2);

        Assert.Equal(fromFlat.Pixels, fromList.Pixels);
        Assert.Equal((fromFlat.Width, fromFlat.Height), (fromList.Width, fromList.Height));
    }

    [Fact]
    public void Image_data_of_the_wrong_size_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => ImageGrid.Compose(new float[7], count: 2, imageRows: 2, imageCols: 2, columns: 2));
        Assert.Throws<ArgumentException>(() => ImageGrid.Compose(new float[8], count: 2, imageRows: 2, imageCols: 2, columns: 2, channels: 3));
    }
}
