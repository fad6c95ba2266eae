using System.Globalization;

namespace VaeGpu.Data.Tables;

/// <summary>One rule for every table format: a feature cell is a finite number, or the input is wrong.</summary>
internal static class TableCells
{
    public static float Parse(ReadOnlySpan<char> text, string file, string place, TableColumns columns, int column)
    {
        ReadOnlySpan<char> trimmed = text.Trim();
        if (trimmed.IsEmpty)
            throw new UserInputException($"{file}: {place}, {columns.Describe(column)}: empty cell; every feature needs a number");
        if (!float.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
            throw new UserInputException($"{file}: {place}, {columns.Describe(column)}: '{Short(trimmed)}' is not a number");
        return Finite(value, trimmed.ToString(), file, place, columns, column);
    }

    public static float Finite(float value, string shown, string file, string place, TableColumns columns, int column) =>
        float.IsFinite(value) ? value
            : throw new UserInputException($"{file}: {place}, {columns.Describe(column)}: {Short(shown)} is not a finite number (NaN and infinities cannot be learnt from)");

    private static string Short(ReadOnlySpan<char> text) => text.Length <= 40 ? text.ToString() : text[..40].ToString() + "...";
}
