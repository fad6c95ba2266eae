namespace VaeGpu.Io;

/// <summary>
/// Tiles images (floats in [0, 1], e.g. reconstructions or samples) into one picture, left to right and
/// top to bottom, with a gray border of <see cref="Padding"/> pixels around every tile so neighbouring
/// images stay distinguishable even when their edges are white.
/// </summary>
public static class ImageGrid
{
    public const int Padding = 2;
    public const byte BorderGray = 128;

    /// <param name="images">count images of imageRows × imageCols floats each, back to back, row-major.</param>
    /// <param name="columns">Tiles per grid row; the last grid row may be partly empty (border colour).</param>
    public static GridImage Compose(ReadOnlySpan<float> images, int count, int imageRows, int imageCols, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageRows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageCols);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        int pixelsPerImage = imageRows * imageCols;
        if ((long)count * pixelsPerImage != images.Length)
        {
            throw new ArgumentException($"{count} images of {imageRows}×{imageCols} need {(long)count * pixelsPerImage} floats, got {images.Length}", nameof(images));
        }

        int gridColumns = Math.Min(columns, count);
        int gridRows = (count + columns - 1) / columns;
        int width = gridColumns * (imageCols + Padding) + Padding;
        int height = gridRows * (imageRows + Padding) + Padding;
        var pixels = new byte[width * height];
        Array.Fill(pixels, BorderGray);

        for (int i = 0; i < count; i++)
        {
            int left = Padding + (i % columns) * (imageCols + Padding);
            int top = Padding + (i / columns) * (imageRows + Padding);
            ReadOnlySpan<float> image = images.Slice(i * pixelsPerImage, pixelsPerImage);
            for (int y = 0; y < imageRows; y++)
            {
                for (int x = 0; x < imageCols; x++)
                {
                    pixels[(top + y) * width + left + x] = ToByte(image[y * imageCols + x]);
                }
            }
        }
        return new GridImage(pixels, width, height);
    }

    public static GridImage Compose(IReadOnlyList<float[]> images, int imageRows, int imageCols, int columns)
    {
        ArgumentNullException.ThrowIfNull(images);
        int pixelsPerImage = imageRows * imageCols;
        var flat = new float[images.Count * pixelsPerImage];
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i].Length != pixelsPerImage)
            {
                throw new ArgumentException($"image {i} has {images[i].Length} floats, expected {imageRows}×{imageCols}", nameof(images));
            }
            images[i].CopyTo(flat, i * pixelsPerImage);
        }
        return Compose(flat, images.Count, imageRows, imageCols, columns);
    }

    public static void WritePng(string path, ReadOnlySpan<float> images, int count, int imageRows, int imageCols, int columns) =>
        Compose(images, count, imageRows, imageCols, columns).WritePng(path);

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
