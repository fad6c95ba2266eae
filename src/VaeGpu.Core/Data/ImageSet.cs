
namespace VaeGpu.Data;

/// <summary>
/// A set of equally sized 8-bit grayscale images, stored back to back in row-major order, with optional
/// class labels. Treated as immutable: every operation returns a new set, and the arrays handed to the
/// constructor are owned by the set from then on (they are not copied, so callers must not change them).
/// </summary>
public sealed class ImageSet
{
    public ImageSet(byte[] pixels, int count, int imageRows, int imageCols, byte[]? labels = null, string source = "image set")
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageRows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageCols);
        if ((long)count * imageRows * imageCols != pixels.Length)
        {
            throw new ArgumentException(
                $"{count} images of {imageRows}×{imageCols} need {(long)count * imageRows * imageCols} bytes, got {pixels.Length}",
                nameof(pixels));
        }
        if (labels is not null && labels.Length != count)
        {
            throw new ArgumentException($"{count} images but {labels.Length} labels", nameof(labels));
        }

        Pixels = pixels;
        Count = count;
        ImageRows = imageRows;
        ImageCols = imageCols;
        Labels = labels;
        Source = source;
    }

    /// <summary>Count × ImageRows × ImageCols bytes, image after image, each row-major.</summary>
    public byte[] Pixels { get; }

    public int Count { get; }

    public int ImageRows { get; }

    public int ImageCols { get; }

    public int PixelsPerImage => ImageRows * ImageCols;

    /// <summary>One class label per image, or null when the data came without a label file.</summary>
    public byte[]? Labels { get; }

    /// <summary>Where the images came from (a file path or a description), for messages.</summary>
    public string Source { get; }

    public ReadOnlySpan<byte> Image(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);
    }

    /// <summary>The image scaled to [0, 1] (pixel / 255), the range the model works in.</summary>
    public float[] ImageAsFloats(int index)
    {
        ReadOnlySpan<byte> image = Image(index);
        var floats = new float[image.Length];
        for (int i = 0; i < image.Length; i++)
        {
            floats[i] = image[i] / 255f;
        }
        return floats;
    }

    public ImageSet Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, Count - count, nameof(start));
        byte[] pixels = Pixels.AsSpan(start * PixelsPerImage, count * PixelsPerImage).ToArray();
        byte[]? labels = Labels?.AsSpan(start, count).ToArray();
        return new ImageSet(pixels, count, ImageRows, ImageCols, labels, Source);
    }

    /// <summary>The images of every class except <paramref name="label"/> (e.g. to hold one class out of training).</summary>
    public ImageSet WithoutClass(int label) => Where(label, keep: false);

    /// <summary>Only the images of class <paramref name="label"/>.</summary>
    public ImageSet OnlyClass(int label) => Where(label, keep: true);

    private ImageSet Where(int label, bool keep)
    {
        // Selecting by class is something a user asks for; data without a label file is their mistake
        // to fix (add the labels file), so it is reported as one, not as a programming error.
        byte[] labels = Labels ?? throw new UserInputException(
            $"{Source}: has no labels (no labels file next to it), so images cannot be selected by class {label}");

        var selected = new List<int>();
        for (int i = 0; i < Count; i++)
        {
            if ((labels[i] == label) == keep)
            {
                selected.Add(i);
            }
        }

        var pixels = new byte[selected.Count * PixelsPerImage];
        var selectedLabels = new byte[selected.Count];
        for (int i = 0; i < selected.Count; i++)
        {
            Image(selected[i]).CopyTo(pixels.AsSpan(i * PixelsPerImage));
            selectedLabels[i] = labels[selected[i]];
        }
        return new ImageSet(pixels, selected.Count, ImageRows, ImageCols, selectedLabels, Source);
    }

    /// <summary>The same images with labels attached (labels.Length must equal Count).</summary>
    public ImageSet WithLabels(byte[] labels) => new(Pixels, Count, ImageRows, ImageCols, labels, Source);
}
