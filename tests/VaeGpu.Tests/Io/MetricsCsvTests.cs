using VaeGpu.Io;

namespace VaeGpu.Tests.Io;

public sealed class MetricsCsvTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static EpochMetrics RandomEpoch(int epoch, System.Random random) => new(
        epoch,
        random.NextDouble() * 300,
        random.NextDouble() * 300,
        random.NextDouble() * 280,
        random.NextDouble() * 1e-3,
        random.NextDouble() * 10,
        random.NextDouble() * 1e6);

    [Fact]
    public void File_starts_with_the_exact_header()
    {
        string path = _temp.File("metrics.csv");
        MetricsCsv.Append(path, new EpochMetrics(1, 250.5, 248.25, 230, 18.25, 3.5, 17142.125));

        string[] lines = File.ReadAllLines(path);
        Assert.Equal("epoch,train_loss,test_loss,test_recon,test_kl,seconds,samples_per_s", lines[0]);
        Assert.Equal("1,250.5,248.25,230,18.25,3.5,17142.125", lines[1]);
        Assert.Equal(2, lines.Length);
    }

    [Fact]
    public void Rows_read_back_exactly_as_appended()
    {
        string path = _temp.File("run/metrics.csv");
        var random = new System.Random(61);
        EpochMetrics[] written = [.. Enumerable.Range(1, 6).Select(epoch => RandomEpoch(epoch, random))];
        foreach (EpochMetrics row in written)
        {
            MetricsCsv.Append(path, row);
        }

        Assert.Equal(written, MetricsCsv.Read(path));
    }

    [Fact]
    public void Appending_an_epoch_again_drops_it_and_every_later_one()
    {
        string path = _temp.File("metrics.csv");
        var random = new System.Random(62);
        EpochMetrics[] first = [.. Enumerable.Range(1, 5).Select(epoch => RandomEpoch(epoch, random))];
        foreach (EpochMetrics row in first)
        {
            MetricsCsv.Append(path, row);
        }

        EpochMetrics redone = RandomEpoch(3, random);
        MetricsCsv.Append(path, redone);

        Assert.Equal([first[0], first[1], redone], MetricsCsv.Read(path));
        Assert.Equal(["metrics.csv"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_file_that_is_not_a_metrics_file_is_reported()
    {
        string path = _temp.File("metrics.csv");
        File.WriteAllText(path, "epoch;loss\n1;2\n");
        UserErrors.AssertOneLine(() => MetricsCsv.Read(path), path, "not a metrics file");
        UserErrors.AssertOneLine(() => MetricsCsv.Append(path, new EpochMetrics(2, 1, 1, 1, 1, 1, 1)), path, "not a metrics file");
    }

    [Fact]
    public void A_damaged_row_names_its_line()
    {
        string path = _temp.File("metrics.csv");
        File.WriteAllText(path, "epoch,train_loss,test_loss,test_recon,test_kl,seconds,samples_per_s\n1,2,3,4,5,6,7\n2,2,x,4,5,6,7\n");
        UserErrors.AssertOneLine(() => MetricsCsv.Read(path), path + ":3", "test_loss 'x'");
    }
}
