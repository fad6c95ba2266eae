using System.Globalization;
using nietras.SeparatedValues;

namespace VaeGpu.Data.Tables;

/// <summary>
/// Reads a CSV or TSV file (optionally gzipped, refused when truncated or corrupt) with Sep:
/// Data:SkipRows leading lines dropped, a header row or positional names (Data:Header), every
/// non-label, non-id, non-excluded cell a number. A ragged row, a non-numeric, empty or NaN cell is a
/// one-line error naming the file, the line and the column.
/// </summary>
public static class CsvTableReader
{
    public static TableData Read(string path, char separator, DataSettings settings)
    {
        string file = Path.GetFullPath(path);
        using Stream content = Open(file);
        // A cell or row defect in the output of a damaged gzip file is reported as the damage.
        return GzipFile.BlameDamage(content, () => Read(file, separator, settings, new StreamReader(content, leaveOpen: true)));
    }

    private static TableData Read(string file, char separator, DataSettings settings, TextReader opened)
    {
        using TextReader text = opened;
        for (int skipped = 0; skipped < settings.SkipRows; skipped++)
        {
            if (text.ReadLine() is null)
                throw new UserInputException($"{file}: Data:SkipRows = {settings.SkipRows} but the file has only {skipped} lines");
        }
        int lineOffset = settings.SkipRows;

        // Column counts are checked here, not by Sep, so that the message names the line and the count.
        SepReader reader;
        try
        {
            reader = Sep.New(separator).Reader(o => o with
            {
                HasHeader = settings.Header,
                DisableColCountCheck = true,
                Unescape = true,
                CultureInfo = CultureInfo.InvariantCulture,
            }).From(text);
        }
        catch (ArgumentException e)
        {
            // Sep refuses a header that names a column twice; the name must be unique to be selectable.
            throw new UserInputException($"{file}: line {lineOffset + 1} (header): {e.Message.ReplaceLineEndings(" ")}");
        }
        using SepReader _ = reader;

        IReadOnlyList<string>? names = settings.Header ? reader.Header.ColNames.ToArray() : null;
        if (names is { Count: 0 })
            throw new UserInputException($"{file}: empty file, expected a header line{(lineOffset > 0 ? $" after the {lineOffset} skipped lines" : "")}");
        TableColumns? columns = names is null ? null : TableColumns.Resolve(names, settings, file, $"line {lineOffset + 1} (header)");

        var features = new List<float>();
        var labels = columns?.Label >= 0 || settings.Label is not null ? new List<string>() : null;
        var ids = settings.Id is not null ? new List<string>() : null;
        var places = new List<string>();
        foreach (SepReader.Row row in reader)
        {
            string place = $"line {row.LineNumberFrom + lineOffset}";
            // Blank lines are not records (pandas' skip_blank_lines): a trailing empty line is common.
            if (row.ColCount == 1 && row[0].Span.IsWhiteSpace()) continue;
            if (columns is null)
            {
                // No header: the first record fixes the column count and the positional names.
                names = Enumerable.Range(0, row.ColCount).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
                columns = TableColumns.Resolve(names, settings, file, place);
            }
            if (row.ColCount != names!.Count)
                throw new UserInputException(
                    $"{file}: {place}: ragged row: {row.ColCount} columns where {(settings.Header ? "the header has" : "the first row has")} {names.Count}");
            foreach (int c in columns.Features)
                features.Add(TableCells.Parse(row[c].Span, file, place, columns, c));
            if (columns.Label >= 0) labels!.Add(row[columns.Label].ToString().Trim());
            if (columns.Id >= 0) ids!.Add(row[columns.Id].ToString().Trim());
            places.Add(place);
        }
        if (columns is null || places.Count == 0)
            throw new UserInputException($"{file}: no data rows{(settings.Header ? " after the header" : "")}");
        return new TableData(file, columns, features.ToArray(), places.Count, labels?.ToArray(), ids?.ToArray(), places.ToArray());
    }

    private static Stream Open(string file)
    {
        FileStream stream = DataFiles.OpenRead(file);
        return DataFiles.IsGzip(stream) ? new GzipFile(stream, file) : stream;
    }
}
