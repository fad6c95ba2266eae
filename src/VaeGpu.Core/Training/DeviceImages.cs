using VaeGpu.Accelerators;
using VaeGpu.Data;

namespace VaeGpu.Training;

/// <summary>
/// An example set made ready for batches. Images are resident on the accelerator as raw bytes (a
/// quarter of the float size), uploaded once, and batches are gathered on the device by index
/// (GatherRows, which scales by 1/255). A table's features are floats that GatherRows cannot carry,
/// so its batches are gathered on the host and uploaded: tables are small (a 30-feature batch of
/// 128 is 15 KB), and this needs no new op in every accelerator.
/// </summary>
public sealed class DeviceImages : IDisposable
{
    private readonly IAccelerator _accelerator;
    private float[] _staging = [];

    public DeviceImages(IAccelerator accelerator, ImageSet images)
    {
        _accelerator = accelerator;
        Images = images;
        // A table has no pixels; one byte keeps every accelerator's allocation path ordinary.
        Pixels = accelerator.Allocate<byte>(Math.Max(1, images.Pixels.Length));
        if (!images.IsTable) accelerator.Upload<byte>(Pixels, images.Pixels);
    }

    public ImageSet Images { get; }
    public DeviceBuffer<byte> Pixels { get; }
    public int Count => Images.Count;
    public int PixelsPerImage => Images.PixelsPerImage;

    /// <summary>
    /// destination[i, :] = example hostIndices[i] as floats, for i in [0, rows). Images use the device
    /// copy of the same indices (<paramref name="deviceIndices"/>), tables the host one.
    /// </summary>
    public void Gather(DeviceSpan<int> deviceIndices, ReadOnlySpan<int> hostIndices, DeviceSpan<float> destination, int rows)
    {
        if (Images.Features is not { } features)
        {
            _accelerator.GatherRows(Pixels, deviceIndices, destination, rows, PixelsPerImage);
            return;
        }
        int width = PixelsPerImage;
        if (_staging.Length < rows * width) _staging = new float[rows * width];
        float[] batch = _staging;
        for (int i = 0; i < rows; i++)
            features.AsSpan(hostIndices[i] * width, width).CopyTo(batch.AsSpan(i * width, width));
        _accelerator.Upload<float>(destination, batch.AsSpan(0, rows * width));
    }

    public void Dispose() => Pixels.Dispose();
}
