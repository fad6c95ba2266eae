using System.Globalization;
using System.Text;

namespace VaeGpu.Io;

/// <summary>
/// The per-epoch metrics file of a run. Numbers are written in the invariant culture with the shortest
/// round-trip form ("R"), so a resumed run reads back exactly what it wrote.
/// </summary>
public static class MetricsCsv
{
    public const string Header = "epoch,train_loss,test_loss,test_recon,test_kl,seconds,samples_per_s";

    private const int ColumnCount = 7;

    /// <summary>
    /// Adds the epoch's row, creating the file with its header if needed. Rows for this epoch or later
    /// ones are dropped first: they come from an earlier attempt that a resumed run is now redoing.
    /// The whole file is rewritten atomically, so a crash never leaves a half-written row.
    /// </summary>
    public static void Append(string path, EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        List<EpochMetrics> rows = File.Exists(path) ? [.. Read(path).Where(row => row.Epoch < metrics.Epoch)] : [];
        rows.Add(metrics);
        Write(path, rows);
    }

    public static void Write(string path, IEnumerable<EpochMetrics> rows)
    {
        var text = new StringBuilder();
        text.Append(Header).Append('\n');
        foreach (EpochMetrics row in rows)
        {
            text.Append(Format(row)).Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    public static IReadOnlyList<EpochMetrics> Read(string path)
    {
        string fullPath = Path.GetFullPath(path);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(fullPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UserInputException($"{fullPath}: metrics file not found");
        }

        if (lines.Length == 0 || lines[0].Trim() != Header)
        {
            string found = lines.Length == 0 ? "an empty file" : $"'{lines[0]}'";
            throw new UserInputException($"{fullPath}: not a metrics file: first line is {found}, expected '{Header}'");
        }

        var rows = new List<EpochMetrics>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length > 0)
            {
                rows.Add(Parse(lines[i], fullPath, lineNumber: i + 1));
            }
        }
        return rows;
    }

    internal static string Format(EpochMetrics m) => string.Join(',',
        m.Epoch.ToString(CultureInfo.InvariantCulture),
        Number(m.TrainLoss),
        Number(m.TestLoss),
        Number(m.TestRecon),
        Number(m.TestKl),
        Number(m.Seconds),
        Number(m.SamplesPerSecond));

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static EpochMetrics Parse(string line, string path, int lineNumber)
    {
        string[] fields = line.Split(',');
        if (fields.Length != ColumnCount)
        {
            throw new UserInputException($"{path}:{lineNumber}: {fields.Length} fields, expected {ColumnCount} ({Header})");
        }
        if (!int.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int epoch))
        {
            throw new UserInputException($"{path}:{lineNumber}: epoch '{fields[0]}' is not a whole number");
        }

        var values = new double[ColumnCount - 1];
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.TryParse(fields[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new UserInputException($"{path}:{lineNumber}: {Header.Split(',')[i + 1]} '{fields[i + 1]}' is not a number");
            }
        }
        return new EpochMetrics(epoch, values[0], values[1], values[2], values[3], values[4], values[5]);
    }
}
