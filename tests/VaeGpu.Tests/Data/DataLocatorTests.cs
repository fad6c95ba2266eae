using VaeGpu.Data;

namespace VaeGpu.Tests.Data;

public sealed class DataLocatorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Explicit_directory_wins_over_the_default_one()
    {
        string chosen = _temp.SubDirectory("chosen");
        string fallback = _temp.SubDirectory("default");
        IdxBytes.WriteDataDirectory(chosen, trainCount: 6, testCount: 2);
        IdxBytes.WriteDataDirectory(fallback, trainCount: 9, testCount: 3);

        DataSplit split = DataLocator.Resolve(chosen, defaultDirectory: fallback);

        Assert.Equal(6, split.Train.Count);
        Assert.Equal(2, split.Test.Count);
        Assert.NotNull(split.Train.Labels);
        Assert.Null(split.Notice);
        Assert.Contains(chosen, split.Description);
    }

    [Fact]
    public void Default_directory_is_used_when_none_is_given()
    {
        string fallback = _temp.SubDirectory("default");
        IdxBytes.WriteDataDirectory(fallback, trainCount: 9, testCount: 3, gzip: false);

        DataSplit split = DataLocator.Resolve(null, defaultDirectory: fallback);

        Assert.Equal(9, split.Train.Count);
        Assert.Equal(3, split.Test.Count);
        Assert.Null(split.Notice);
        Assert.Contains(fallback, split.Description);
    }

    [Theory]
    [InlineData(false)] // default directory does not exist
    [InlineData(true)]  // exists but lacks the test images
    public void Embedded_copy_is_the_last_resort_and_says_so(bool createIncompleteDefault)
    {
        string fallback = _temp.File("default");
        if (createIncompleteDefault)
        {
            IdxBytes.WriteDataDirectory(fallback, trainCount: 4, testCount: 2);
            File.Delete(Path.Combine(fallback, "t10k-images-idx3-ubyte.gz"));
        }

        DataSplit split = DataLocator.Resolve(null, defaultDirectory: fallback);

        Assert.Equal(9_000, split.Train.Count);
        Assert.Equal(1_000, split.Test.Count);
        Assert.Equal(
            "no --data and no /usr/share/datasets/fashion-mnist: using the embedded Fashion-MNIST t10k copy " +
            "(9,000 train / 1,000 test; apt-get install dataset-fashion-mnist for the full set)",
            split.Notice);
    }

    [Fact]
    public void Missing_explicit_directory_is_an_error_not_a_fallback()
    {
        string missing = _temp.File("no-such-dir");
        IdxBytes.WriteDataDirectory(_temp.SubDirectory("default"), 4, 2);
        UserErrors.AssertOneLine(() => DataLocator.Resolve(missing, _temp.File("default")), missing, "not found");
    }

    [Fact]
    public void Missing_test_images_in_explicit_directory_names_the_file()
    {
        string dir = _temp.SubDirectory("data");
        IdxBytes.WriteDataDirectory(dir, 4, 2);
        File.Delete(Path.Combine(dir, "t10k-images-idx3-ubyte.gz"));
        UserErrors.AssertOneLine(() => DataLocator.Resolve(dir), Path.Combine(dir, "t10k-images-idx3-ubyte"), "not found");
    }

    [Fact]
    public void Labels_are_optional()
    {
        string dir = _temp.SubDirectory("data");
        IdxBytes.WriteDataDirectory(dir, 4, 2, labels: false);

        DataSplit split = DataLocator.Resolve(dir);

        Assert.Null(split.Train.Labels);
        Assert.Null(split.Test.Labels);
    }

    [Fact]
    public void Label_count_that_differs_from_image_count_is_an_error()
    {
        string dir = _temp.SubDirectory("data");
        IdxBytes.WriteDataDirectory(dir, 4, 2);
        string labels = Path.Combine(dir, "train-labels-idx1-ubyte.gz");
        File.WriteAllBytes(labels, IdxBytes.Gzip(IdxBytes.Labels([1, 2, 3])));

        var error = UserErrors.AssertOneLine(() => DataLocator.Resolve(dir), labels, "3 labels");
        Assert.Contains("4 images", error.Message);
    }

    [Fact]
    public void Train_and_test_images_must_have_the_same_size()
    {
        string dir = _temp.SubDirectory("data");
        IdxBytes.WriteDataDirectory(dir, 4, 2, rows: 4, cols: 3);
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte.gz"), IdxBytes.Gzip(IdxBytes.Images(new byte[2 * 5 * 5], 2, 5, 5)));

        var error = UserErrors.AssertOneLine(() => DataLocator.Resolve(dir), dir, "4×3");
        Assert.Contains("5×5", error.Message);
    }

    [Fact]
    public void Raw_and_gzipped_files_can_be_mixed()
    {
        string dir = _temp.SubDirectory("data");
        IdxBytes.WriteDataDirectory(dir, 5, 2, gzip: true);
        string gz = Path.Combine(dir, "t10k-images-idx3-ubyte.gz");
        byte[] pixels = IdxBytes.RandomBytes(31, 2 * 4 * 3);
        File.Delete(gz);
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), IdxBytes.Images(pixels, 2, 4, 3));

        DataSplit split = DataLocator.Resolve(dir);

        Assert.Equal(pixels, split.Test.Pixels);
        Assert.NotNull(split.Test.Labels);
    }
}
