using VaeGpu.Accelerators;
using VaeGpu.Data;
using VaeGpu.Model;
using VaeGpu.Training;

namespace VaeGpu.Analysis;

/// <summary>Between images and latent codes with the existing ops: posterior means out, pixel means back.</summary>
public static class LatentCodes
{
    /// <summary>The posterior mean μ of each image of <paramref name="images"/> (or of <paramref name="only"/>), [count × latent].</summary>
    public static float[] PosteriorMeans(VaeModel model, ImageSet images, int batchSize, IReadOnlyList<int>? only = null)
    {
        IAccelerator accelerator = model.Accelerator;
        int latent = model.Layout.Latent;
        int[] which = only?.ToArray() ?? Enumerable.Range(0, images.Count).ToArray();
        int n = which.Length, batchRows = Math.Max(1, Math.Min(batchSize, n));
        var means = new float[n * latent];
        if (n == 0) return means;
        using var device = new DeviceImages(accelerator, images);
        using var workspace = new VaeWorkspace(accelerator, model.Layout, batchRows);
        using DeviceBuffer<int> indices = accelerator.Allocate<int>(batchRows);
        var head = new float[batchRows * 2 * latent];
        for (int start = 0; start < n; start += batchRows)
        {
            int rows = Math.Min(batchRows, n - start);
            accelerator.Upload<int>(indices.Slice(0, rows), which.AsSpan(start, rows));
            device.Gather(indices.Slice(0, rows), which.AsSpan(start, rows), workspace.Input(rows), rows);
            VaePasses.Encode(model, workspace, rows);
            accelerator.Download(workspace.Head(rows), head.AsSpan(0, rows * 2 * latent));
            for (int i = 0; i < rows; i++)
                head.AsSpan(i * 2 * latent, latent).CopyTo(means.AsSpan((start + i) * latent, latent));
        }
        return means;
    }

    /// <summary>Pixel means p(x|z) for <paramref name="codes"/> [count × latent], [count × pixels].</summary>
    public static float[] Decode(VaeModel model, ReadOnlySpan<float> codes, int batchSize)
    {
        IAccelerator accelerator = model.Accelerator;
        int latent = model.Layout.Latent, size = model.Layout.InputSize;
        if (codes.Length % latent != 0) throw new ArgumentException($"{codes.Length} values are not whole codes of {latent}");
        int n = codes.Length / latent, batchRows = Math.Max(1, Math.Min(batchSize, n));
        var images = new float[n * size];
        if (n == 0) return images;
        using var workspace = new VaeWorkspace(accelerator, model.Layout, batchRows);
        for (int start = 0; start < n; start += batchRows)
        {
            int rows = Math.Min(batchRows, n - start);
            accelerator.Upload(workspace.Z(rows), codes.Slice(start * latent, rows * latent));
            VaePasses.DecodeMeans(model, workspace, rows);
            accelerator.Download(workspace.Output(rows), images.AsSpan(start * size, rows * size));
        }
        return images;
    }

    /// <summary>
    /// A <paramref name="side"/> × <paramref name="side"/> grid of 2-D codes on the Gaussian quantile grid
    /// (Φ⁻¹ of (i + ½)/side), z₁ growing to the right and z₂ growing upwards, row-major from the top.
    /// </summary>
    public static float[] QuantileGrid(int side)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(side, 1);
        var codes = new float[side * side * 2];
        for (int row = 0; row < side; row++)
            for (int col = 0; col < side; col++)
            {
                int k = (row * side + col) * 2;
                codes[k] = (float)AnalysisMath.NormalQuantile((col + 0.5) / side);
                codes[k + 1] = (float)AnalysisMath.NormalQuantile((side - row - 0.5) / side);
            }
        return codes;
    }
}
