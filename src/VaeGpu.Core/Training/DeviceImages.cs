using VaeGpu.Accelerators;
using VaeGpu.Data;

namespace VaeGpu.Training;

/// <summary>
/// An image set resident on the accelerator as raw bytes (a quarter of the float size), uploaded
/// once; batches are gathered from it on the device by index.
/// </summary>
public sealed class DeviceImages : IDisposable
{
    public DeviceImages(IAccelerator accelerator, ImageSet images)
    {
        Images = images;
        Pixels = accelerator.Allocate<byte>(images.Pixels.Length);
        accelerator.Upload<byte>(Pixels, images.Pixels);
    }

    public ImageSet Images { get; }
    public DeviceBuffer<byte> Pixels { get; }
    public int Count => Images.Count;
    public int PixelsPerImage => Images.PixelsPerImage;

    public void Dispose() => Pixels.Dispose();
}
