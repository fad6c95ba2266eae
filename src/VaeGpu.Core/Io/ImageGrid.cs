namespace VaeGpu.Io;

/// <summary>
/// Tiles images (floats in [0, 1], e.g. reconstructions or samples) into one picture, left to right and
/// top to bottom, with a gray border of <see cref="Padding"/> pixels around every tile so neighbouring
/// images stay distinguishable even when their edges are white. Images of several channels (RGB, interleaved as
/// the data sets hold them) give a picture of as many channels.
/// </summary>
public static class ImageGrid
{
    public const int Padding = 2;
    public const byte BorderGray = 128;

    /// <param name="images">count images of imageRows × imageCols × channels floats each, back to back, row-major,
    /// channels interleaved.</param>
    /// <param name="columns">Tiles per grid row; the last grid row may be partly empty (border colour).</param>
    /// <param name="channels">1 (grey) or 3 (RGB).</param>
    public static GridImage Compose(ReadOnlySpan<float> images, int count, int imageRows, int imageCols, int columns, int channels = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageRows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageCols);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "grids are grey (1) or RGB (3)");
        int pixelsPerImage = imageRows * imageCols * channels;
        if ((long)count * pixelsPerImage != images.Length)
        {
            throw new ArgumentException($"{count} images of {imageRows}×{imageCols}×{channels} need {(long)count * pixelsPerImage} floats, got {images.Length}", nameof(images));
        }

        int gridColumns = Math.Min(columns, count);
        int gridRows = (count + columns - 1) / columns;
        int width = gridColumns * (imageCols + Padding) + Padding;
        int height = gridRows * (imageRows + Padding) + Padding;
        var pixels = new byte[width * height * channels];
        Array.Fill(pixels, BorderGray);

        for (int i = 0; i < count; i++)
        {
            int left = Padding + (i % columns) * (imageCols + Padding);
            int top = Padding + (i / columns) * (imageRows + Padding);
            ReadOnlySpan<float> image = images.Slice(i * pixelsPerImage, pixelsPerImage);
            int rowValues = imageCols * channels;
            for (int y = 0; y < imageRows; y++)
            {
                Span<byte> row = pixels.AsSpan(((top + y) * width + left) * channels, rowValues);
                for (int v = 0; v < rowValues; v++) row[v] = ToByte(image[y * rowValues + v]);
            }
        }
        return new GridImage(pixels, width, height, channels);
    }

    public static GridImage Compose(IReadOnlyList<float[]> images, int imageRows, int imageCols, int columns, int channels = 1)
    {
        ArgumentNullException.ThrowIfNull(images);
        int pixelsPerImage = imageRows * imageCols * channels;
        var flat = new float[images.Count * pixelsPerImage];
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i].Length != pixelsPerImage)
            {
                throw new ArgumentException($"image {i} has {images[i].Length} floats, expected {imageRows}×{imageCols}×{channels}", nameof(images));
            }
            images[i].CopyTo(flat, i * pixelsPerImage);
        }
        return Compose(flat, images.Count, imageRows, imageCols, columns, channels);
    }

    public static void WritePng(string path, ReadOnlySpan<float> images, int count, int imageRows, int imageCols, int columns, int channels = 1) =>
        Compose(images, count, imageRows, imageCols, columns, channels).WritePng(path);

    /// <summary>Model outputs can stray outside [0, 1] (or be NaN after a diverged step); clamp rather than wrap.</summary>
    internal static byte ToByte(float value)
    {
        if (!(value > 0f))
        {
            return 0; // also NaN
        }
        return value >= 1f ? (byte)255 : (byte)MathF.Round(value * 255f);
    }
}
