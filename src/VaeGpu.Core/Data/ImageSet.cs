
namespace VaeGpu.Data;

/// <summary>
/// The examples a model trains on or scores: either equally sized 8-bit images (grey, or RGB with
/// <see cref="Channels"/> = 3), stored back to back in row-major order, or, for a table, rows of
/// float features (<see cref="Features"/>, <see cref="IsTable"/>). One type for both, because every
/// pass (training, evaluation, scoring, latents) only needs "example i as floats" and a row count.
/// Optional class labels and record ids. Treated as immutable: every operation returns a new set, and
/// the arrays handed to the constructor are owned by the set from then on (not copied).
/// </summary>
public sealed class ImageSet
{
    /// <summary>A table: <paramref name="count"/> rows of <paramref name="width"/> float features.</summary>
    public static ImageSet FromFeatures(float[] features, int count, int width, byte[]? labels, string source,
        string[]? ids = null, IReadOnlyList<string>? labelNames = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if ((long)count * width != features.Length)
            throw new ArgumentException($"{count} rows of {width} features need {(long)count * width} values, got {features.Length}", nameof(features));
        return new ImageSet([], count, 1, width, labels, source, channels: 1, features, ids, labelNames);
    }

    public ImageSet(byte[] pixels, int count, int imageRows, int imageCols, byte[]? labels = null, string source = "image set",
        int channels = 1, float[]? features = null, string[]? ids = null, IReadOnlyList<string>? labelNames = null)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageRows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageCols);
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "1 (grey) or 3 (RGB)");
        if (features is null && (long)count * imageRows * imageCols * channels != pixels.Length)
        {
            throw new ArgumentException(
                $"{count} images of {imageRows}×{imageCols}×{channels} need {(long)count * imageRows * imageCols * channels} bytes, got {pixels.Length}",
                nameof(pixels));
        }
        if (labels is not null && labels.Length != count)
        {
            throw new ArgumentException($"{count} images but {labels.Length} labels", nameof(labels));
        }
        if (ids is not null && ids.Length != count)
            throw new ArgumentException($"{count} examples but {ids.Length} ids", nameof(ids));

        Pixels = pixels;
        Count = count;
        ImageRows = imageRows;
        ImageCols = imageCols;
        Labels = labels;
        Source = source;
        Channels = channels;
        Features = features;
        Ids = ids;
        LabelNames = labelNames;
    }

    /// <summary>1 (grey) or 3 (RGB, interleaved per pixel); always 1 for a table.</summary>
    public int Channels { get; }

    /// <summary>A table's Count × Width features (already standardized when the run standardizes), else null.</summary>
    public float[]? Features { get; }

    public bool IsTable => Features is not null;

    /// <summary>What the examples are called in messages: "records" for a table, "images" otherwise.</summary>
    public string Noun => IsTable ? "records" : "images";

    /// <summary>One id per example (a table's id column, an image's file name), or null.</summary>
    public string[]? Ids { get; }

    /// <summary>The class name of each label value (a CSV's label text, an image folder's subfolder), or null.</summary>
    public IReadOnlyList<string>? LabelNames { get; }

    /// <summary>Count × ImageRows × ImageCols bytes, image after image, each row-major.</summary>
    public byte[] Pixels { get; }

    public int Count { get; }

    public int ImageRows { get; }

    public int ImageCols { get; }

    /// <summary>Model inputs per example: pixels × channels of an image, or a table's feature count.</summary>
    public int PixelsPerImage => ImageRows * ImageCols * Channels;

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
        if (Features is not null)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return Features.AsSpan(index * PixelsPerImage, PixelsPerImage).ToArray();
        }
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
        return Subset(Enumerable.Range(start, count).ToArray());
    }

    /// <summary>The examples at <paramref name="indices"/>, in that order (a split, a class selection).</summary>
    public ImageSet Subset(IReadOnlyList<int> indices)
    {
        int size = PixelsPerImage, n = indices.Count;
        byte[] pixels = Features is null ? new byte[n * size] : [];
        float[]? features = Features is null ? null : new float[n * size];
        for (int i = 0; i < n; i++)
        {
            int from = indices[i];
            ArgumentOutOfRangeException.ThrowIfNegative(from);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(from, Count);
            if (features is not null) Features.AsSpan(from * size, size).CopyTo(features.AsSpan(i * size));
            else Pixels.AsSpan(from * size, size).CopyTo(pixels.AsSpan(i * size));
        }
        return With(pixels, n, features, Labels is null ? null : indices.Select(i => Labels[i]).ToArray(),
            Ids is null ? null : indices.Select(i => Ids[i]).ToArray());
    }

    /// <summary>The same examples with their features replaced (e.g. standardized).</summary>
    public ImageSet WithFeatures(float[] features) => With(Pixels, Count, features, Labels, Ids);

    private ImageSet With(byte[] pixels, int count, float[]? features, byte[]? labels, string[]? ids) =>
        new(pixels, count, ImageRows, ImageCols, labels, Source, Channels, features, ids, LabelNames);

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
        return Subset(selected);
    }

    /// <summary>The same images with labels attached (labels.Length must equal Count).</summary>
    public ImageSet WithLabels(byte[] labels) => With(Pixels, Count, Features, labels, Ids);
}
