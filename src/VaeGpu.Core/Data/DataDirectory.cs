
namespace VaeGpu.Data;

/// <summary>
/// A directory laid out like the Fashion-MNIST / MNIST distribution: train-images-idx3-ubyte and
/// t10k-images-idx3-ubyte (each raw or with .gz), and optionally the matching label files.
/// </summary>
public static class DataDirectory
{
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>Whether the directory exists and holds both image files (labels are optional).</summary>
    public static bool HasRequiredFiles(string directory) =>
        Directory.Exists(directory) && FindFile(directory, TrainImages) is not null && FindFile(directory, TestImages) is not null;

    public static DataSplit Load(string directory)
    {
        string fullDirectory = Path.GetFullPath(directory);
        if (!Directory.Exists(fullDirectory))
        {
            throw new UserInputException($"{fullDirectory}: data directory not found");
        }

        ImageSet train = LoadSet(fullDirectory, TrainImages, TrainLabels);
        ImageSet test = LoadSet(fullDirectory, TestImages, TestLabels);
        if (train.ImageRows != test.ImageRows || train.ImageCols != test.ImageCols)
        {
            throw new UserInputException(
                $"{fullDirectory}: train images are {train.ImageRows}×{train.ImageCols} but test images are {test.ImageRows}×{test.ImageCols}; both must have the same size");
        }

        string description =
            $"{fullDirectory}: {train.Count} train / {test.Count} test images of {train.ImageRows}×{train.ImageCols}, " +
            $"labels: train {(train.Labels is null ? "no" : "yes")}, test {(test.Labels is null ? "no" : "yes")}";
        return new DataSplit(train, test, description, Notice: null) { Source = fullDirectory };
    }

    private static ImageSet LoadSet(string directory, string imagesName, string labelsName)
    {
        string imagesPath = FindFile(directory, imagesName)
            ?? throw new UserInputException($"{Path.Combine(directory, imagesName)}: file not found (nor {imagesName}.gz) in the data directory");
        ImageSet images = IdxReader.ReadImages(imagesPath);

        string? labelsPath = FindFile(directory, labelsName);
        if (labelsPath is null)
        {
            return images;
        }
        byte[] labels = IdxReader.ReadLabels(labelsPath);
        if (labels.Length != images.Count)
        {
            throw new UserInputException($"{labelsPath}: holds {labels.Length} labels but {imagesPath} holds {images.Count} images");
        }
        return images.WithLabels(labels);
    }

    /// <summary>The uncompressed file if present (no decompression needed), else the .gz one, else null.</summary>
    private static string? FindFile(string directory, string name)
    {
        string raw = Path.Combine(directory, name);
        if (File.Exists(raw))
        {
            return raw;
        }
        string gzipped = raw + ".gz";
        return File.Exists(gzipped) ? gzipped : null;
    }
}
