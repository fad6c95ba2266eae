using System.Globalization;

namespace VaeGpu.Data.Tables;

/// <summary>
/// Turns label text into the byte class labels the rest of the program uses. Whole numbers 0 to 255
/// keep their value (scikit-learn's files label with 0, 1, ...); any other text becomes the index of
/// its name among the sorted distinct names, which are kept as the class names.
/// </summary>
public static class LabelCodes
{
    public static (byte[] Codes, IReadOnlyList<string>? Names) Encode(IReadOnlyList<string> labels, string file)
    {
        var codes = new byte[labels.Count];
        bool numeric = true;
        for (int i = 0; i < labels.Count && numeric; i++)
        {
            numeric = byte.TryParse(labels[i], NumberStyles.None, CultureInfo.InvariantCulture, out codes[i]) ||
                      (double.TryParse(labels[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double d) &&
                       d >= 0 && d <= 255 && d == Math.Floor(d) && (codes[i] = (byte)d) == d);
        }
        if (numeric) return (codes, null);

        string[] names = labels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (names.Length > 256)
            throw new UserInputException($"{file}: the label column has {names.Length} distinct values; at most 256 classes are supported");
        var index = names.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => (byte)p.i, StringComparer.Ordinal);
        for (int i = 0; i < labels.Count; i++) codes[i] = index[labels[i]];
        return (codes, names);
    }
}
