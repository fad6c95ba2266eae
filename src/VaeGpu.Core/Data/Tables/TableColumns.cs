using System.Globalization;

namespace VaeGpu.Data.Tables;

/// <summary>
/// Which columns of a table are features, the label, the id, or ignored. Columns are named by their
/// header text, or by position (0 = first, -1 = last), as the Data:Label/Id/Exclude settings allow.
/// </summary>
public sealed class TableColumns
{
    private TableColumns(IReadOnlyList<string> names, int label, int id, int[] features)
    {
        Names = names;
        Label = label;
        Id = id;
        Features = features;
    }

    /// <summary>Every column's name, in file order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The label column's index, or -1.</summary>
    public int Label { get; }

    /// <summary>The id column's index, or -1.</summary>
    public int Id { get; }

    /// <summary>The feature columns' indices, in file order.</summary>
    public int[] Features { get; }

    public IReadOnlyList<string> FeatureNames => Features.Select(i => Names[i]).ToArray();

    /// <param name="file">Names the file in messages.</param>
    /// <param name="place">Where the names come from ("line 2", "the schema"), for messages.</param>
    public static TableColumns Resolve(IReadOnlyList<string> names, DataSettings settings, string file, string place)
    {
        int label = settings.Label is { } l ? Find(names, l, "Data:Label", file) : -1;
        int id = settings.Id is { } i ? Find(names, i, "Data:Id", file) : -1;
        var excluded = new HashSet<int>(settings.Exclude.Select(e => Find(names, e, "Data:Exclude", file)));
        if (label >= 0) excluded.Add(label);
        if (id >= 0) excluded.Add(id);
        int[] features = Enumerable.Range(0, names.Count).Where(c => !excluded.Contains(c)).ToArray();
        if (features.Length == 0)
            throw new UserInputException($"{file}: no feature columns left after the label, id and Data:Exclude columns");
        var columns = new TableColumns(names, label, id, features);
        if (settings.ExpectedFeatures is { } expected)
            columns.CheckAgainst(expected, file, place);
        return columns;
    }

    /// <summary>A test file or new data must have the training data's feature columns, in the same order.</summary>
    private void CheckAgainst(IReadOnlyList<string> expected, string file, string place)
    {
        IReadOnlyList<string> found = FeatureNames;
        if (found.Count != expected.Count)
            throw new UserInputException(
                $"{file}: {place}: {found.Count} feature columns ({Names.Count} in all), but the model's training data has {expected.Count}");
        // A model trained without a header knows its columns only by position: the count is all to check.
        if (expected.All(name => int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            return;
        for (int k = 0; k < found.Count; k++)
            if (found[k] != expected[k])
                throw new UserInputException(
                    $"{file}: {place}, {Describe(Features[k])}: feature {k} is '{found[k]}' but the model's training data has '{expected[k]}' there");
    }

    /// <summary>"column 3 ('radius')" for messages.</summary>
    public string Describe(int column) =>
        Names[column] == column.ToString(CultureInfo.InvariantCulture) ? $"column {column}" : $"column {column} ('{Names[column]}')";

    private static int Find(IReadOnlyList<string> names, string wanted, string key, string file)
    {
        string text = wanted.Trim();
        for (int c = 0; c < names.Count; c++)
            if (string.Equals(names[c], text, StringComparison.Ordinal)) return c;
        // A position only when no column has that text as its name: a header may well say "0".
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int position))
        {
            int index = position < 0 ? names.Count + position : position;
            if (index >= 0 && index < names.Count) return index;
            throw new UserInputException(
                $"{file}: {key} = '{wanted}': no such column (the file has {names.Count} columns, positions 0 to {names.Count - 1} or -1 to -{names.Count})");
        }
        throw new UserInputException($"{file}: {key} = '{wanted}': unknown column (columns: {Preview(names)})");
    }

    private static string Preview(IReadOnlyList<string> names) =>
        names.Count <= 12 ? string.Join(", ", names) : string.Join(", ", names.Take(12)) + $", ... ({names.Count} in all)";
}
