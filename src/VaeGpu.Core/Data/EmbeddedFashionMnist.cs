
namespace VaeGpu.Data;

/// <summary>
/// The Fashion-MNIST test set (10,000 labelled 28×28 images) compiled into this assembly, so the program
/// can train out of the box when the full data set is not installed. Split into 9,000 images to train on
/// and the last 1,000 to evaluate on.
/// </summary>
public static class EmbeddedFashionMnist
{
    public const string ImagesResource = "VaeGpu.Data.fashion-mnist.t10k-images-idx3-ubyte.gz";
    public const string LabelsResource = "VaeGpu.Data.fashion-mnist.t10k-labels-idx1-ubyte.gz";
    public const int TestCount = 1_000;

    public static DataSplit Load(string? notice = null)
    {
        ImageSet images;
        using (Stream imagesStream = OpenResource(ImagesResource))
        {
            images = IdxReader.ReadImages(imagesStream, $"embedded {ImagesResource}");
        }
        byte[] labels;
        using (Stream labelsStream = OpenResource(LabelsResource))
        {
            labels = IdxReader.ReadLabels(labelsStream, $"embedded {LabelsResource}");
        }
        if (labels.Length != images.Count)
        {
            // Only possible if the build embedded mismatched files: a packaging bug, not a user mistake.
            throw new InvalidOperationException($"embedded Fashion-MNIST: {images.Count} images but {labels.Length} labels");
        }

        ImageSet all = images.WithLabels(labels);
        int trainCount = all.Count - TestCount;
        ImageSet train = all.Slice(0, trainCount);
        ImageSet test = all.Slice(trainCount, TestCount);
        string description =
            $"embedded Fashion-MNIST t10k copy: {train.Count} train / {test.Count} test images of {all.ImageRows}×{all.ImageCols}, labelled";
        return new DataSplit(train, test, description, notice);
    }

    private static Stream OpenResource(string name) =>
        typeof(EmbeddedFashionMnist).Assembly.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"resource {name} is missing from {typeof(EmbeddedFashionMnist).Assembly.GetName().Name}; the build did not embed it");
}
