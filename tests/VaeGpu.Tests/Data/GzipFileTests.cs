using System.Globalization;
using System.Text;
using VaeGpu.Data;
using VaeGpu.Data.Sources;

namespace VaeGpu.Tests.Data;

/// <summary>
/// Gzip input read through <see cref="GzipFile"/>: a whole file of several members (`cat a.gz b.gz`)
/// reads as the one text it holds; a damaged file is refused even when its defect shows first as bad content.
/// </summary>
public sealed class GzipFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly System.Random _random = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string name, byte[] bytes)
    {
        string path = _temp.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Csv_of_several_members_reads_as_the_plain_file()
    {
        var text = new StringBuilder("x,y,z\n");
        for (int r = _random.Next(50, 200); r > 0; r--)
            text.Append(CultureInfo.InvariantCulture, $"{_random.NextDouble():R},{_random.Next(1000)},{-_random.NextDouble():R}\n");
        byte[] csv = Encoding.UTF8.GetBytes(text.ToString());
        int a = _random.Next(1, csv.Length / 2), b = _random.Next(a + 1, csv.Length);
        string plain = Write("t.csv", csv);
        string members = Write("t.csv.gz", GzipBytes.Members(csv[..a], csv[a..b], csv[b..]));

        ImageSet expected = DataSource.Read(plain, DataSettings.Default, "Data:Dir").Set;
        ImageSet found = DataSource.Read(members, DataSettings.Default, "Data:Dir").Set;
        Assert.Equal(expected.Count, found.Count);
        Assert.Equal(expected.Features!, found.Features!);
    }

    [Fact]
    public void Idx_of_several_members_reads_as_the_plain_file()
    {
        byte[] pixels = IdxBytes.RandomBytes(_random.Next(), 30 * 5 * 4);
        byte[] idx = IdxBytes.Images(pixels, 30, 5, 4);
        int split = _random.Next(1, idx.Length);
        ImageSet set = IdxReader.ReadImages(Write("images.gz", GzipBytes.Members(idx[..split], idx[split..])));
        Assert.Equal(pixels, set.Pixels);
    }

    [Fact]
    public void A_bad_cell_out_of_a_damaged_stream_is_reported_as_the_damage()
    {
        // Stored (uncompressed) deflate data keeps the text readable, so flipping one byte of it gives
        // a non-numeric cell that Sep meets before the end, where the CRC would have told.
        byte[] csv = Encoding.UTF8.GetBytes("a,b\n1,2\n3,4\n5,6\n");
        byte[] gz = GzipBytes.Stored(csv);
        int at = Array.IndexOf(gz, (byte)'3', GzipBytes.Header);
        gz[at] = (byte)'x';
        string path = Write("flipped.csv.gz", gz);
        UserErrors.AssertOneLine(() => DataSource.Read(path, DataSettings.Default, "Data:Dir"), path, "corrupt gzip file");
    }
}
