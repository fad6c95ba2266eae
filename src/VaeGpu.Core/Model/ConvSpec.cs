namespace VaeGpu.Model;

/// <summary>
/// A convolutional VAE's image and encoder (Model:Architecture = conv): images Height × Width × Channels (NHWC),
/// and per entry of <see cref="Filters"/> a Conv2d(Kernel, Stride, Padding) + activation, each halving the size
/// at the default 4/2/1. The decoder mirrors it with ConvTranspose2d layers; where a size does not halve evenly
/// (28 → 14 → 7 → 3) the transposed convolution takes PyTorch's output_padding that gives the encoder's size
/// back (3 → 7), so any image size works.
/// </summary>
public sealed record ConvSpec(int Height, int Width, int Channels, IReadOnlyList<int> Filters, int Kernel = 4, int Stride = 2, int Padding = 1)
{
    public bool Equals(ConvSpec? other) =>
        other is not null && Height == other.Height && Width == other.Width && Channels == other.Channels &&
        Filters.SequenceEqual(other.Filters) && Kernel == other.Kernel && Stride == other.Stride && Padding == other.Padding;

    public override int GetHashCode() => HashCode.Combine(Height, Width, Channels, Filters.Count, Kernel, Stride, Padding);

    public override string ToString() =>
        $"conv {Height}×{Width}×{Channels} channels {string.Join(',', Filters)} (kernel {Kernel}, stride {Stride}, padding {Padding})";
}
