using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Parquet.Schema;
using SkiaSharp;
using VaeGpu.Tests.Configuration;
using VaeGpu.Tests.Data;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// Issue 19: a truncated or corrupt input file of any format (gzipped CSV or IDX, Parquet, PNG, JPEG)
/// is one line naming the file and saying what is wrong, exit 2, no run directory; .NET's GZipStream
/// alone ends silently at a cut, and training went on with the part that was read. Each defect sits at
/// a random place of a fresh random file.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which other tests set
public sealed class TruncatedInputTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly CliHarness _cli = new();
    private readonly System.Random _random = new();

    public void Dispose() => _temp.Dispose();

    private string NewRun() => _temp.File("run-" + Guid.NewGuid().ToString("N"));

    /// <summary>A 2-column CSV with a header and a few hundred rows of random numbers.</summary>
    private byte[] RandomCsv()
    {
        var text = new StringBuilder("a,b\n");
        for (int r = _random.Next(200, 400); r > 0; r--)
            text.Append(CultureInfo.InvariantCulture, $"{_random.NextDouble() * 10 - 5:R},{_random.NextDouble():R}\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private string Write(string name, byte[] bytes)
    {
        string path = _temp.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A cut anywhere after the gzip header and before the trailer.</summary>
    private int MidStream(byte[] gz) => _random.Next(GzipBytes.Header + 1, gz.Length - GzipBytes.Trailer);

    [Fact]
    public void Sync_flushed_csv_gz_without_its_end_is_truncated()
    {
        string path = Write("t.csv.gz", GzipBytes.SyncFlushedWithoutEnd(RandomCsv()));
        _cli.AssertTrainFails(path, NewRun(), [], path, "truncated gzip file");
    }

    [Fact]
    public void Csv_gz_cut_mid_stream_is_truncated()
    {
        byte[] gz = GzipBytes.Complete(RandomCsv());
        string path = Write("cut.csv.gz", GzipBytes.Cut(gz, MidStream(gz)));
        _cli.AssertTrainFails(path, NewRun(), [], path, "truncated gzip file");
    }

    [Theory]
    [InlineData(8)] // the whole trailer: every byte of data decodes
    [InlineData(4)] // its length half
    [InlineData(1)]
    public void Csv_gz_without_all_of_its_trailer_is_truncated(int missing)
    {
        byte[] gz = GzipBytes.Complete(RandomCsv());
        string path = Write("notrailer.csv.gz", GzipBytes.Cut(gz, gz.Length - missing));
        _cli.AssertTrainFails(path, NewRun(), [], path, "truncated gzip file");
    }

    [Fact]
    public void Csv_gz_with_a_wrong_crc_is_corrupt()
    {
        string path = Write("crc.csv.gz", GzipBytes.WrongCrc(GzipBytes.Complete(RandomCsv()), _random.Next(32)));
        _cli.AssertTrainFails(path, NewRun(), [], path, "corrupt gzip file", "crc");
    }

    [Fact]
    public void Csv_gz_of_several_members_trains()
    {
        byte[] csv = RandomCsv();
        int split = _random.Next(1, csv.Length); // anywhere, even mid-number: the members join into one text
        string path = Write("members.csv.gz", GzipBytes.Members(csv[..split], csv[split..]));
        string run = NewRun();
        Assert.True(_cli.Run("train", "--device", "cpu", "--data", path, "--epochs", "1", "--hidden", "8", "--latent", "2", "--out", run) == 0, _cli.Error);
    }

    [Fact]
    public void Idx_images_gz_cut_mid_stream_is_truncated()
    {
        string dir = _temp.File("idx");
        IdxBytes.WriteDataDirectory(dir, trainCount: 60, testCount: 20, rows: 6, cols: 6);
        string images = Path.Combine(dir, "train-images-idx3-ubyte.gz");
        byte[] gz = File.ReadAllBytes(images);
        File.WriteAllBytes(images, GzipBytes.Cut(gz, MidStream(gz)));
        _cli.AssertTrainFails(dir, NewRun(), [], images, "truncated gzip file");
    }

    [Theory]
    [InlineData("train-images-idx3-ubyte.gz")]
    [InlineData("t10k-labels-idx1-ubyte.gz")]
    public void Idx_gz_whose_data_all_decodes_but_whose_trailer_is_missing_is_truncated(string name)
    {
        string dir = _temp.File("idx");
        IdxBytes.WriteDataDirectory(dir, trainCount: 60, testCount: 20);
        string file = Path.Combine(dir, name);
        byte[] gz = File.ReadAllBytes(file);
        File.WriteAllBytes(file, GzipBytes.Cut(gz, gz.Length - GzipBytes.Trailer));
        _cli.AssertTrainFails(dir, NewRun(), [], file, "truncated gzip file");
    }

    public enum ParquetCut { MidRowGroup, InFooter, JustTheMagic }

    [Theory]
    [InlineData(ParquetCut.MidRowGroup)]
    [InlineData(ParquetCut.InFooter)]
    [InlineData(ParquetCut.JustTheMagic)]
    public async Task Truncated_parquet_is_named(ParquetCut where)
    {
        string path = _temp.File("cut.parquet");
        int rows = _random.Next(100, 300);
        await ParquetFiles.WriteAsync(path,
            (new DataField<double>("x"), Enumerable.Range(0, rows).Select(_ => _random.NextDouble()).ToArray()),
            (new DataField<double>("y"), Enumerable.Range(0, rows).Select(_ => _random.NextDouble()).ToArray()));
        byte[] whole = File.ReadAllBytes(path);
        // The layout: "PAR1", the row groups, the footer, the footer's 4-byte length, "PAR1".
        int footerStart = whole.Length - 8 - BinaryPrimitives.ReadInt32LittleEndian(whole.AsSpan(whole.Length - 8));
        int cut = where switch
        {
            ParquetCut.MidRowGroup => _random.Next(5, footerStart),
            ParquetCut.InFooter => _random.Next(footerStart, whole.Length),
            _ => 4,
        };
        File.WriteAllBytes(path, whole[..cut]);
        _cli.AssertTrainFails(path, NewRun(), [], path, "truncated Parquet file");
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png, "b.png")]
    [InlineData(SKEncodedImageFormat.Jpeg, "b.jpg")]
    public void Truncated_image_in_a_folder_is_named(SKEncodedImageFormat format, string name)
    {
        string folder = _temp.SubDirectory("images");
        byte[] good = Encode(format, 24, 24);
        File.WriteAllBytes(Path.Combine(folder, "a" + Path.GetExtension(name)), good);
        byte[] other = Encode(format, 24, 24);
        // Past the signature and the image header, anywhere up to the last byte.
        int cut = _random.Next(other.Length / 4, other.Length);
        string path = Write(Path.Combine("images", name), other[..cut]);
        _cli.AssertTrainFails(folder, NewRun(), [], path, "truncated image");
    }

    private byte[] Encode(SKEncodedImageFormat format, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)_random.Next(256), (byte)_random.Next(256), (byte)_random.Next(256)));
        using SKData data = bitmap.Encode(format, 90);
        return data.ToArray();
    }
}
