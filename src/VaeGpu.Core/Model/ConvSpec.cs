namespace VaeGpu.Model;

/// <summary>
/// A convolutional VAE's image and encoder (Model:Architecture = conv): images Height × Width × Channels (NHWC),
/// and per entry of <see cref="Filters"/> a Conv2d(Kernel, Stride, Padding) + activation, each halving the size
/// at the default 4/2/1. The decoder mirrors it with ConvTranspose2d layers; where a size does not halve evenly
/// (28 → 14 → 7 → 3) the transposed convolution takes PyTorch's output_padding that gives the encoder's size
/// back (3 → 7), so any image size works. With <see cref="Norm"/> = <see cref="ConvNorm.Batch"/>, a BatchNorm2d
/// follows every hidden convolution (all but the decoder's output layer), before its activation, as VanillaVAE has.
/// </summary>
public sealed record ConvSpec(int Height, int Width, int Channels, IReadOnlyList<int> Filters, int Kernel = 4, int Stride = 2, int Padding = 1)
{
    public ConvNorm Norm { get; init; } = ConvNorm.None;

    public bool Equals(ConvSpec? other) =>
        other is not null && Height == other.Height && Width == other.Width && Channels == other.Channels &&
        Filters.SequenceEqual(other.Filters) && Kernel == other.Kernel && Stride == other.Stride && Padding == other.Padding &&
        Norm == other.Norm;

    public override int GetHashCode() => HashCode.Combine(Height, Width, Channels, Filters.Count, Kernel, Stride, Padding, Norm);

    public override string ToString() =>
        $"conv {Height}×{Width}×{Channels} channels {string.Join(',', Filters)} (kernel {Kernel}, stride {Stride}, padding {Padding}" +
        (Norm == ConvNorm.Batch ? ", batch norm)" : ")");
}

/// <summary>Model:Norm: what follows each hidden convolution before its activation.</summary>
public enum ConvNorm
{
    None = 0,

    /// <summary>BatchNorm2d: batch statistics in training, running statistics (kept in the checkpoint) in evaluation.</summary>
    Batch = 1,
}
