using System.Globalization;
using System.Text;
using VaeGpu.Data;
using VaeGpu.Io;

namespace VaeGpu.Cli.Runs;

/// <summary>
/// What a table run writes where an image run writes PNG grids: decoded records as CSV, in the
/// file's own units (standardization undone), one row per record with a tag saying what it is.
/// </summary>
public static class RunTables
{
    /// <param name="rows">(tag, standardized values) per output row.</param>
    public static void Write(string path, FeatureScaling inputs, IEnumerable<(string Tag, float[] Values)> rows)
    {
        var csv = new StringBuilder("row");
        foreach (string name in inputs.Features) csv.Append(',').Append(Quote(name));
        csv.Append('\n');
        foreach ((string tag, float[] values) in rows)
        {
            csv.Append(Quote(tag));
            for (int j = 0; j < values.Length; j++)
                csv.Append(',').Append(((float)inputs.Unscale(values[j], j)).ToString(CultureInfo.InvariantCulture));
            csv.Append('\n');
        }
        AtomicFile.WriteAllText(path, csv.ToString());
    }

    /// <summary>Rows of a flat [count × width] array, tagged prefix0, prefix1, ...</summary>
    public static IEnumerable<(string, float[])> Rows(string prefix, float[] flat, int width) =>
        Enumerable.Range(0, flat.Length / width).Select(i => ($"{prefix}{i}", flat.AsSpan(i * width, width).ToArray()));

    /// <summary>RFC 4180 quoting when a name holds a comma, quote or line break.</summary>
    public static string Quote(string text) =>
        text.AsSpan().IndexOfAny(",\"\n\r") < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";
    /// <summary>Input i then its reconstruction i, from [inputs; reconstructions] as InputsAndReconstructions returns them.</summary>
    public static IEnumerable<(string, float[])> Reconstructions(float[] both, int count, int width)
    {
        for (int i = 0; i < count; i++)
        {
            yield return ($"input{i}", both.AsSpan(i * width, width).ToArray());
            yield return ($"reconstruction{i}", both.AsSpan((count + i) * width, width).ToArray());
        }
    }

}
