using VaeGpu.Data;

namespace VaeGpu.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(false, "images.idx")]
    [InlineData(true, "images.idx.gz")]
    [InlineData(true, "gzipped-but-named-plainly.idx")] // gzip is recognised by its bytes, not its name
    public void Images_round_trip(bool gzip, string name)
    {
        const int count = 7, rows = 5, cols = 3;
        byte[] pixels = IdxBytes.RandomBytes(seed: 11, count * rows * cols);
        byte[] raw = IdxBytes.Images(pixels, count, rows, cols);
        string path = _temp.File(name);
        File.WriteAllBytes(path, gzip ? IdxBytes.Gzip(raw) : raw);

        ImageSet images = IdxReader.ReadImages(path);

        Assert.Equal(count, images.Count);
        Assert.Equal(rows, images.ImageRows);
        Assert.Equal(cols, images.ImageCols);
        Assert.Equal(rows * cols, images.PixelsPerImage);
        Assert.Equal(pixels, images.Pixels);
        Assert.Null(images.Labels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Labels_round_trip(bool gzip)
    {
        byte[] labels = IdxBytes.RandomBytes(seed: 12, 23, maxExclusive: 10);
        byte[] raw = IdxBytes.Labels(labels);
        string path = _temp.File(gzip ? "labels.gz" : "labels");
        File.WriteAllBytes(path, gzip ? IdxBytes.Gzip(raw) : raw);

        Assert.Equal(labels, IdxReader.ReadLabels(path));
    }

    [Fact]
    public void Stream_overload_reads_and_names_the_source_in_errors()
    {
        byte[] pixels = IdxBytes.RandomBytes(seed: 13, 2 * 2 * 2);
        using (var good = new MemoryStream(IdxBytes.Gzip(IdxBytes.Images(pixels, 2, 2, 2))))
        {
            ImageSet images = IdxReader.ReadImages(good, "resource:images");
            Assert.Equal(pixels, images.Pixels);
            Assert.Equal("resource:images", images.Source);
        }

        using var bad = new MemoryStream(IdxBytes.Labels([1, 2, 3]));
        UserErrors.AssertOneLine(() => IdxReader.ReadImages(bad, "resource:images"), "resource:images", "1 dimension");
    }

    [Fact]
    public void Empty_file()
    {
        string path = _temp.File("train-images-idx3-ubyte");
        File.WriteAllBytes(path, []);
        UserErrors.AssertOneLine(() => IdxReader.ReadImages(path), path, "empty file");
    }

    [Fact]
    public void Missing_file()
    {
        string path = _temp.File("nowhere-idx3-ubyte");
        UserErrors.AssertOneLine(() => IdxReader.ReadImages(path), path, "not found");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Wrong_magic_says_what_was_found_and_expected(bool gzip)
    {
        byte[] raw = IdxBytes.Idx(0x12345678, [1, 2, 2], new byte[4]);
        string path = _temp.File(gzip ? "x.gz" : "x");
        File.WriteAllBytes(path, gzip ? IdxBytes.Gzip(raw) : raw);

        var error = UserErrors.AssertOneLine(() => IdxReader.ReadImages(path), path, "0x12345678");
        Assert.Contains("0x00000803", error.Message);
    }

    [Fact]
    public void Label_file_read_as_images_is_reported_as_wrong_dimensions()
    {
        string path = _temp.File("t10k-labels-idx1-ubyte");
        File.WriteAllBytes(path, IdxBytes.Labels([1, 2, 3]));
        UserErrors.AssertOneLine(() => IdxReader.ReadImages(path), path, "1 dimension");
    }

    [Fact]
    public void Image_file_read_as_labels_is_reported_as_wrong_dimensions()
    {
        string path = _temp.File("t10k-images-idx3-ubyte");
        File.WriteAllBytes(path, IdxBytes.Images(new byte[4], 1, 2, 2));
        UserErrors.AssertOneLine(() => IdxReader.ReadLabels(path), path, "3 dimensions");
    }

    [Fact]
    public void Two_dimensional_file_is_rejected()
    {
        string path = _temp.File("matrix.idx");
        File.WriteAllBytes(path, IdxBytes.Idx(0x00000802, [2, 2], new byte[4]));
        UserErrors.AssertOneLine(() => IdxReader.ReadImages(path), path, "2 dimensions");
    }

    [Theory]
    [InlineData(0, 28, 28, "count")]
    [InlineData(5, 0, 28, "rows")]
    [InlineData(5, 28, 0, "columns")]
    public void Zero_size_dimension(int count, int rows, int cols, string dimension)
    {
        string path = _temp.File("zero.idx");
        File.WriteAllBytes(path, IdxBytes.Idx(0x00000803, [count, rows, cols], []));
        var error = UserErrors.AssertOneLine(() => IdxReader.ReadImages(path), path, "is 0");
        Assert.Contains(dimension, error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_data_says_what_the_header_promised(bool gzip)
    {
        byte[] raw = IdxBytes.Images(IdxBytes.RandomBytes(14, 3 * 4 * 4), 3, 4, 4);
        byte[] cut = raw.AsSpan(0, raw.Length - 10).ToArray();
        string path = _temp.File(gzip ? "cut.gz" : "cut");
        File.WriteAllBytes(path, gzip ? IdxBytes.Gzip(cut) : cut);

        var error = UserErrors.AssertOneLine(() => IdxReader.ReadImages(path), path, "truncated");
        Assert.Contains("3 images of 4×4 (48 bytes)", error.Message);
        Assert.Contains("only 38", error.Message);
    }

    [Fact]
    public void Truncated_header()
    {
        string path = _temp.File("header.idx");
        File.WriteAllBytes(path, IdxBytes.Images([], 1, 1, 1).AsSpan(0, 9).ToArray());
        UserErrors.AssertOneLine(() => IdxReader.ReadImages(path), path, "truncated header");
    }

    [Fact]
    public void Bytes_after_the_data_are_an_error()
    {
        byte[] raw = IdxBytes.Labels([1, 2, 3]);
        string path = _temp.File("long.idx");
        File.WriteAllBytes(path, [.. raw, 9, 9, 9, 9, 9]);
        UserErrors.AssertOneLine(() => IdxReader.ReadLabels(path), path, "5 bytes after the data");
    }

    [Fact]
    public void Name_ending_in_gz_without_gzip_bytes()
    {
        string path = _temp.File("train-images-idx3-ubyte.gz");
        File.WriteAllBytes(path, IdxBytes.Images(new byte[4], 1, 2, 2));
        UserErrors.AssertOneLine(() => IdxReader.ReadImages(path), path, "not a gzip file");
    }

    [Fact]
    public void Corrupt_gzip_stream()
    {
        byte[] gz = IdxBytes.Gzip(IdxBytes.Images(IdxBytes.RandomBytes(15, 100), 4, 5, 5));
        // The first deflate byte follows the 10-byte gzip header; 0xFF declares block type 3, which
        // deflate reserves as invalid, so decompression must fail rather than produce garbage.
        gz[10] = 0xFF;
        string path = _temp.File("corrupt.gz");
        File.WriteAllBytes(path, gz);
        UserErrors.AssertOneLine(() => IdxReader.ReadImages(path), path, "corrupt gzip");
    }
}
