
namespace VaeGpu.Data.Tables;

/// <summary>
/// A read table as examples: a feature table, or, when Data:Width × Data:Height (× 3 for RGB) equals
/// its feature count, images whose cells are pixel values from 0 to Data:PixelMax (scikit-learn's
/// digits: 8 × 8, 0 to 16), rounded to bytes so they train exactly as the same images from PNG files.
/// </summary>
public static class TableExamples
{
    public static ImageSet ToExamples(TableData table, DataSettings settings)
    {
        (byte[] Codes, IReadOnlyList<string>? Names)? labels = table.Labels is { } text ? LabelCodes.Encode(text, table.File) : null;
        if (!settings.HasSize)
            return ImageSet.FromFeatures(table.Features, table.Rows, table.Width, labels?.Codes, table.File, table.Ids, labels?.Names);

        int channels = settings.Rgb ? 3 : 1;
        int needed = settings.Width * settings.Height * channels;
        if (needed != table.Width)
            throw new UserInputException(
                $"{table.File}: Data:Width × Data:Height{(channels == 3 ? " × 3" : "")} = {needed} pixels, but the table has {table.Width} feature columns");
        var pixels = new byte[table.Features.Length];
        float max = settings.PixelMax;
        for (int i = 0; i < pixels.Length; i++)
        {
            float v = table.Features[i];
            if (v < 0 || v > max)
            {
                int row = i / table.Width, column = table.Columns.Features[i % table.Width];
                throw new UserInputException(
                    $"{table.File}: {table.Places[row]}, {table.Columns.Describe(column)}: pixel value {v} outside 0 to Data:PixelMax = {max}");
            }
            pixels[i] = PixelByte(v, max);
        }
        return new ImageSet(pixels, table.Rows, settings.Height, settings.Width, labels?.Codes, table.File, channels,
            ids: table.Ids, labelNames: labels?.Names);
    }

    /// <summary>round(v · 255 / max), the byte a PNG writer would store for the same grey level.</summary>
    public static byte PixelByte(float value, float max) => (byte)Math.Round(value * 255.0 / max, MidpointRounding.AwayFromZero);
}
