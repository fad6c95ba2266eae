using SkiaSharp;

namespace VaeGpu.Data.Images;

/// <summary>
/// A folder of PNG/JPEG images decoded with SkiaSharp, as grey or RGB bytes. Images sit at the top
/// level or in subfolders, whose names become class labels (in sorted order, as the class names).
/// Files are taken in sorted path order so the same folder always gives the same set. With
/// Data:Width/Height every image is resized to that size; without, all must share one size.
/// </summary>
public static class ImageFolderReader
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    public static ImageSet Read(string path, DataSettings settings)
    {
        string folder = Path.GetFullPath(path);
        if (!Directory.Exists(folder)) throw new UserInputException($"{folder}: folder not found");
        string[] subfolders = Directory.EnumerateDirectories(folder).Select(d => Reachable(d, folder)).ToArray();
        List<string> files = Directory.EnumerateFiles(folder, "*", SearchOption.TopDirectoryOnly)
            .Concat(subfolders.SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.TopDirectoryOnly)))
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Select(f => Reachable(f, folder))
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new UserInputException($"{folder}: empty folder: no .png, .jpg or .jpeg files in it or in its subfolders");

        // Labels only when every image sits in a subfolder: a mix would leave some images unlabelled.
        string[] classes = files.Select(f => Path.GetRelativePath(folder, Path.GetDirectoryName(f)!)).ToArray();
        bool labelled = classes.All(c => c != ".");
        string[] names = labelled ? classes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray() : [];
        if (names.Length > 256)
            throw new UserInputException($"{folder}: {names.Length} subfolders; at most 256 classes are supported");

        int channels = settings.Rgb ? 3 : 1;
        int width = settings.Width, height = settings.Height;
        string? sizeFrom = null;
        byte[]? pixels = null;
        for (int i = 0; i < files.Count; i++)
        {
            using SKBitmap bitmap = Decode(files[i]);
            if (!settings.HasSize && pixels is null)
            {
                (width, height, sizeFrom) = (bitmap.Width, bitmap.Height, files[i]);
            }
            pixels ??= new byte[checked(files.Count * width * height * channels)];
            if (bitmap.Width != width || bitmap.Height != height)
            {
                if (!settings.HasSize)
                    throw new UserInputException(
                        $"{files[i]}: image is {bitmap.Width}×{bitmap.Height} but {sizeFrom} is {width}×{height}; images of mixed sizes need Data:Width and Data:Height to resize them");
                using SKBitmap resized = Resize(bitmap, width, height, files[i]);
                CopyPixels(resized, channels, pixels.AsSpan(i * width * height * channels, width * height * channels));
            }
            else
            {
                CopyPixels(bitmap, channels, pixels.AsSpan(i * width * height * channels, width * height * channels));
            }
        }
        byte[]? labels = labelled ? classes.Select(c => (byte)Array.BinarySearch(names, c, StringComparer.Ordinal)).ToArray() : null;
        string[] ids = files.Select(f => Path.GetRelativePath(folder, f)).ToArray();
        return new ImageSet(pixels!, files.Count, height, width, labels, folder, channels, ids: ids, labelNames: labelled ? names : null);
    }

    /// <summary>
    /// .NET decodes a file name as UTF-8 and turns each byte it cannot decode into U+FFFD, so an entry
    /// whose name is not UTF-8 is listed under a name that does not exist and cannot be opened. A real
    /// U+FFFD in a UTF-8 name exists under its own name and passes.
    /// </summary>
    private static string Reachable(string entry, string folder) =>
        Path.GetFileName(entry).Contains('\uFFFD') && !Path.Exists(entry)
            ? throw new UserInputException(
                $"{folder}: the entry '{Path.GetRelativePath(folder, entry)}' has a name that is not valid UTF-8 (U+FFFD stands for the bytes the system could not decode), so it cannot be opened; rename it to a UTF-8 name")
            : entry;

    /// <summary>
    /// Decodes into RGBA8888 in the file's own colour space (so no colour management changes a value;
    /// Skia refuses colour-to-Gray8 decoding), whatever the file holds; <see cref="CopyPixels"/> then
    /// keeps the channels asked for.
    /// </summary>
    private static SKBitmap Decode(string file)
    {
        using FileStream stream = DataFiles.OpenRead(file);
        using SKCodec? codec = SKCodec.Create(stream, out SKCodecResult opened);
        if (codec is null)
            throw opened == SKCodecResult.IncompleteInput ? Truncated(file) : new UserInputException($"{file}: not a readable PNG or JPEG image (unknown or corrupt data)");
        SKImageInfo info = codec.Info.WithColorType(SKColorType.Rgba8888)
            .WithAlphaType(codec.Info.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        // IncompleteInput: Skia decoded what the file holds and filled the rest; a partial image is not training data.
        SKCodecResult result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw result == SKCodecResult.IncompleteInput ? Truncated(file) : new UserInputException($"{file}: corrupt image: decoding stopped ({result})");
        }
        return bitmap;
    }

    private static UserInputException Truncated(string file) =>
        new($"{file}: truncated image: the file ends before the image does; copy it again");

    private static SKBitmap Resize(SKBitmap bitmap, int width, int height, string file) =>
        bitmap.Resize(new SKImageInfo(width, height, bitmap.ColorType, bitmap.AlphaType), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
        ?? throw new UserInputException($"{file}: could not be resized to {width}×{height}");

    /// <summary>
    /// RGB bytes, or for grey one byte per pixel: the value itself when R = G = B (a grey file, so its
    /// bytes come back unchanged), else the Rec. 601 luma 0.299 R + 0.587 G + 0.114 B, rounded.
    /// </summary>
    private static void CopyPixels(SKBitmap bitmap, int channels, Span<byte> destination)
    {
        ReadOnlySpan<byte> source = bitmap.GetPixelSpan();
        int stride = bitmap.RowBytes;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                ReadOnlySpan<byte> rgba = source.Slice(y * stride + x * 4, 4);
                int at = (y * bitmap.Width + x) * channels;
                if (channels == 3) rgba[..3].CopyTo(destination[at..]);
                else destination[at] = rgba[0] == rgba[1] && rgba[1] == rgba[2] ? rgba[0]
                    : (byte)Math.Round(0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2], MidpointRounding.AwayFromZero);
            }
    }
}
