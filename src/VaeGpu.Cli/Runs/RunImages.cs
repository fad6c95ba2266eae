using VaeGpu.Accelerators;
using VaeGpu.Analysis;
using VaeGpu.Data;
using VaeGpu.Io;
using VaeGpu.Model;
using VaeGpu.Training;
using VaeGpu.Random;

namespace VaeGpu.Cli.Runs;

/// <summary>The PNG grids that train, sample and reconstruct write.</summary>
public static class RunImages
{
    public const int MaxColumns = 8;

    // The grids have the data's channels: grey PNGs for grey images, RGB PNGs for RGB ones (ImageGrid).

    public static void WriteSamples(VaeModel model, string path, int count, ulong seed, ImageSet shape)
    {
        float[] samples = ImageRenderer.SamplePrior(model, count, seed);
        int columns = (int)Math.Ceiling(Math.Sqrt(count));
        ImageGrid.WritePng(path, samples, count, shape.ImageRows, shape.ImageCols, columns, shape.Channels);
    }

    /// <summary>Rows of up to 8 test inputs, each over a row of their reconstructions.</summary>
    public static void WriteReconstructions(VaeModel model, string path, ImageSet images, int count)
    {
        int[] indices = Enumerable.Range(0, count).ToArray();
        float[] both = ImageRenderer.InputsAndReconstructions(model, images, indices);
        int size = images.PixelsPerImage, columns = Math.Min(MaxColumns, count);
        var tiles = new List<float[]>();
        for (int start = 0; start < count; start += columns)
        {
            int inRow = Math.Min(columns, count - start);
            for (int pass = 0; pass < 2; pass++)
                for (int i = 0; i < columns; i++)
                    tiles.Add(i < inRow ? both.AsSpan(((pass * count) + start + i) * size, size).ToArray() : new float[size]);
        }
        ImageGrid.Compose(tiles, images.ImageRows, images.ImageCols, columns, images.Channels).WritePng(path);
    }

    /// <summary>
    /// Denoising: rows of up to 8 test inputs corrupted by salt-and-pepper noise of probability
    /// <paramref name="noise"/> (Philox stream DenoisingNoise, one substream per image), each over a row
    /// of their reconstructions and a row of the clean inputs.
    /// </summary>
    public static void WriteDenoising(VaeModel model, string path, ImageSet images, int count, float noise, ulong seed)
    {
        int size = images.PixelsPerImage, columns = Math.Min(MaxColumns, count);
        var clean = new float[count * size];
        for (int i = 0; i < count; i++) images.ImageAsFloats(i).CopyTo(clean, i * size);
        float[] noisy = (float[])clean.Clone();
        for (int i = 0; i < count; i++)
            AnalysisMath.SaltAndPepper(noisy.AsSpan(i * size, size), noise, seed, NoiseStreams.DenoisingNoise, (uint)i);
        float[] both = ImageRenderer.InputsAndReconstructions(model, noisy, count);
        var tiles = new List<float[]>();
        for (int start = 0; start < count; start += columns)
        {
            int inRow = Math.Min(columns, count - start);
            for (int pass = 0; pass < 3; pass++)
                for (int i = 0; i < columns; i++)
                {
                    int at = (start + i) * size;
                    tiles.Add(i >= inRow ? new float[size]
                        : pass == 2 ? clean.AsSpan(at, size).ToArray()
                        : both.AsSpan(pass * count * size + at, size).ToArray());
                }
        }
        ImageGrid.Compose(tiles, images.ImageRows, images.ImageCols, columns, images.Channels).WritePng(path);
    }
}
