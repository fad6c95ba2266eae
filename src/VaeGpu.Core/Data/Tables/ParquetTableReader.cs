using System.Globalization;
using System.Numerics;
using Parquet;
using Parquet.Schema;

namespace VaeGpu.Data.Tables;

/// <summary>
/// Reads a Parquet file with Parquet.Net under the CSV's column rules: numeric columns (integers,
/// floats, decimals) are features; a string column may only be the label or the id; any other type
/// (dates, byte arrays, lists, structs, a string feature) is a one-line error naming the column and
/// its type. A null or NaN cell names the row (1-based, across row groups) and the column.
/// </summary>
public static class ParquetTableReader
{
    public static TableData Read(string path, DataSettings settings)
    {
        string file = Path.GetFullPath(path);
        using FileStream stream = DataFiles.OpenRead(file);
        ThrowIfTruncated(stream, file);
        try
        {
            return ReadAsync(stream, file, settings).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not UserInputException)
        {
            // Parquet.Net reports a damaged file with several exception types; none is the user's to debug.
            throw new UserInputException($"{file}: not a readable Parquet file ({e.Message.ReplaceLineEndings(" ").Trim()})");
        }
    }

    /// <summary>
    /// A Parquet file is "PAR1", the row groups, the footer, the footer's 4-byte length and "PAR1"
    /// again, so a file cut anywhere has the first magic without the last. Checked here because
    /// Parquet.Net says only "not a parquet file, head: 50415231, tail: ...".
    /// </summary>
    private static void ThrowIfTruncated(FileStream stream, string file)
    {
        const int Magic = 4, Least = Magic + 4 + Magic;
        Span<byte> head = stackalloc byte[Magic], tail = stackalloc byte[Magic];
        bool parquet = stream.ReadAtLeast(head, Magic, throwOnEndOfStream: false) == Magic && head.SequenceEqual("PAR1"u8);
        bool whole = stream.Length >= Least;
        if (parquet && whole)
        {
            stream.Position = stream.Length - Magic;
            stream.ReadExactly(tail);
            whole = tail.SequenceEqual("PAR1"u8);
        }
        stream.Position = 0;
        if (parquet && !whole)
            throw new UserInputException(
                $"{file}: truncated Parquet file: it starts with PAR1 but its end (the footer and the closing PAR1) is missing; the file was cut short, copy it again");
    }

    private static async Task<TableData> ReadAsync(Stream stream, string file, DataSettings settings)
    {
        await using ParquetReader reader = await ParquetReader.CreateAsync(stream);
        DataField[] fields = reader.Schema.GetDataFields();
        if (fields.Length == 0 || fields.Length != reader.Schema.Fields.Count)
            throw new UserInputException($"{file}: nested Parquet columns (lists, maps, structs) are not supported; use flat columns");
        TableColumns columns = TableColumns.Resolve(fields.Select(f => f.Name).ToArray(), settings, file, "schema");
        foreach (int c in columns.Features)
            if (!IsNumeric(fields[c].ClrType) || fields[c].IsArray)
                throw new UserInputException(
                    $"{file}: {columns.Describe(c)} has the unsupported type {TypeName(fields[c])}; feature columns must be numeric (exclude it with Data:Exclude)");

        var features = new List<float[]>();
        var labels = columns.Label >= 0 ? new List<string>() : null;
        var ids = columns.Id >= 0 ? new List<string>() : null;
        long rowsBefore = 0;
        for (int group = 0; group < reader.RowGroupCount; group++)
        {
            using ParquetRowGroupReader rows = reader.OpenRowGroupReader(group);
            int n = checked((int)rows.RowCount);
            var values = new float[columns.Features.Length][];
            for (int k = 0; k < columns.Features.Length; k++)
            {
                int c = columns.Features[k];
                values[k] = await ReadNumberColumn(rows, fields[c], n);
                for (int r = 0; r < n; r++)
                    TableCells.Finite(values[k][r], values[k][r].ToString(CultureInfo.InvariantCulture), file, Place(rowsBefore + r), columns, c);
            }
            for (int r = 0; r < n; r++)
                features.Add(values.Select(column => column[r]).ToArray());
            if (labels is not null) labels.AddRange(await ReadTextColumn(rows, fields[columns.Label], n, file));
            if (ids is not null) ids.AddRange(await ReadTextColumn(rows, fields[columns.Id], n, file));
            rowsBefore += n;
        }
        if (rowsBefore == 0) throw new UserInputException($"{file}: no rows");
        int count = checked((int)rowsBefore);
        string[] places = Enumerable.Range(0, count).Select(r => Place(r)).ToArray();
        return new TableData(file, columns, features.SelectMany(row => row).ToArray(), count, labels?.ToArray(), ids?.ToArray(), places);
    }

    private static string Place(long row) => $"row {row + 1}";

    /// <summary>A numeric column as floats; a null cell becomes NaN, which the caller reports with its row.</summary>
    private static Task<float[]> ReadNumberColumn(ParquetRowGroupReader rows, DataField field, int n) => field.ClrType switch
    {
        Type t when t == typeof(float) => Read<float>(rows, field, n),
        Type t when t == typeof(double) => Read<double>(rows, field, n),
        Type t when t == typeof(int) => Read<int>(rows, field, n),
        Type t when t == typeof(long) => Read<long>(rows, field, n),
        Type t when t == typeof(short) => Read<short>(rows, field, n),
        Type t when t == typeof(sbyte) => Read<sbyte>(rows, field, n),
        Type t when t == typeof(byte) => Read<byte>(rows, field, n),
        Type t when t == typeof(ushort) => Read<ushort>(rows, field, n),
        Type t when t == typeof(uint) => Read<uint>(rows, field, n),
        Type t when t == typeof(ulong) => Read<ulong>(rows, field, n),
        Type t when t == typeof(decimal) => Read<decimal>(rows, field, n),
        _ => throw new InvalidOperationException($"{field.Name}: {field.ClrType} passed the numeric check"),
    };

    private static async Task<float[]> Read<T>(ParquetRowGroupReader rows, DataField field, int n) where T : struct, INumberBase<T>
    {
        var result = new float[n];
        if (field.IsNullable)
        {
            var cells = new T?[n];
            await rows.ReadAsync<T>(field, cells.AsMemory());
            for (int i = 0; i < n; i++) result[i] = cells[i] is T v ? float.CreateSaturating(v) : float.NaN;
        }
        else
        {
            var cells = new T[n];
            await rows.ReadAsync<T>(field, cells.AsMemory());
            for (int i = 0; i < n; i++) result[i] = float.CreateSaturating(cells[i]);
        }
        return result;
    }

    /// <summary>A label or id column as text, whatever its type.</summary>
    private static async Task<string[]> ReadTextColumn(ParquetRowGroupReader rows, DataField field, int n, string file)
    {
        if (IsText(field.ClrType))
        {
            var cells = new string?[n];
            await rows.ReadAsync(field, cells.AsMemory());
            return cells.Select(s => s ?? "").ToArray();
        }
        if (IsNumeric(field.ClrType))
        {
            // Integers are the usual label type; printed without a fraction they match the CSV's text.
            float[] numbers = await ReadNumberColumn(rows, field, n);
            return numbers.Select(v => float.IsNaN(v) ? "" : v.ToString(CultureInfo.InvariantCulture)).ToArray();
        }
        throw new UserInputException($"{file}: column '{field.Name}' is the label or id but has the unsupported type {TypeName(field)} (use text or a number)");
    }

    private static bool IsNumeric(Type type) =>
        type == typeof(float) || type == typeof(double) || type == typeof(int) || type == typeof(long) ||
        type == typeof(short) || type == typeof(sbyte) || type == typeof(byte) || type == typeof(ushort) ||
        type == typeof(uint) || type == typeof(ulong) || type == typeof(decimal);

    /// <summary>Parquet.Net 6 reports UTF-8 string columns as ReadOnlyMemory&lt;char&gt;.</summary>
    private static bool IsText(Type type) => type == typeof(string) || type == typeof(ReadOnlyMemory<char>);

    private static string TypeName(DataField field)
    {
        string name = IsText(field.ClrType) ? "String" : field.ClrType.Name;
        return field.IsArray ? $"list of {name}" : name;
    }
}
