using VaeGpu.Data;

namespace VaeGpu.Tests.Data;

/// <summary>The real data: the copy embedded in the assembly and, where installed, the full set.</summary>
public sealed class FashionMnistTests
{
    [Fact]
    public void Embedded_copy_is_the_labelled_t10k_set_split_9000_1000()
    {
        DataSplit split = EmbeddedFashionMnist.Load();

        Assert.Equal(9_000, split.Train.Count);
        Assert.Equal(1_000, split.Test.Count);
        Assert.Equal((28, 28), (split.Train.ImageRows, split.Train.ImageCols));
        Assert.Equal((28, 28), (split.Test.ImageRows, split.Test.ImageCols));
        Assert.NotNull(split.Train.Labels);
        Assert.NotNull(split.Test.Labels);
        Assert.All(split.Train.Labels!, label => Assert.InRange(label, 0, 9));

        // The t10k set has exactly 1,000 images of each of the 10 classes.
        for (int label = 0; label < 10; label++)
        {
            Assert.Equal(1_000, split.Train.OnlyClass(label).Count + split.Test.OnlyClass(label).Count);
        }
    }

    [Fact]
    public void Embedded_copy_matches_the_files_in_the_repository()
    {
        string dir = Path.Combine(RepositoryRoot.Path, "data", "fashion-mnist");
        ImageSet images = IdxReader.ReadImages(Path.Combine(dir, "t10k-images-idx3-ubyte.gz"));
        byte[] labels = IdxReader.ReadLabels(Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"));

        DataSplit split = EmbeddedFashionMnist.Load();

        Assert.Equal(10_000, images.Count);
        Assert.Equal(images.Pixels, (byte[])[.. split.Train.Pixels, .. split.Test.Pixels]);
        Assert.Equal(labels, (byte[])[.. split.Train.Labels!, .. split.Test.Labels!]);
    }

    [Fact]
    public void Full_set_from_the_system_install()
    {
        Assert.SkipUnless(DataDirectory.HasRequiredFiles(DataLocator.SystemDirectory),
            $"{DataLocator.SystemDirectory} is not installed");

        DataSplit split = DataLocator.Resolve(null);

        Assert.Equal(60_000, split.Train.Count);
        Assert.Equal(10_000, split.Test.Count);
        Assert.Equal(60_000, split.Train.Labels!.Length);
        Assert.Null(split.Notice);
    }
}
