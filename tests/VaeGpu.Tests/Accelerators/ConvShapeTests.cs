using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>
/// <see cref="ConvShape"/>'s sizes are PyTorch's: nn.Conv2d's ⌊(H + 2P − K)/S⌋ + 1 and nn.ConvTranspose2d's
/// (H − 1)·S − 2P + K + output_padding, written here as literals from PyTorch's documentation formulas.
/// </summary>
public sealed class ConvShapeTests
{
    [Theory]
    [InlineData(28, 4, 2, 1, 14)]
    [InlineData(14, 4, 2, 1, 7)]
    [InlineData(7, 4, 2, 1, 3)]
    [InlineData(64, 4, 2, 1, 32)]
    [InlineData(5, 3, 1, 1, 5)]
    [InlineData(9, 3, 2, 0, 4)]
    [InlineData(10, 4, 3, 2, 4)]
    [InlineData(1, 1, 1, 0, 1)]
    [InlineData(2, 4, 2, 1, 1)]
    public void Conv2d_output_size_is_pytorchs(int size, int kernel, int stride, int padding, int expected)
    {
        ConvShape shape = ConvShape.Conv2d(2, 3, size, size + 1, 5, kernel, stride, padding);
        Assert.Equal(expected, shape.OutHeight);
        Assert.Equal((size + 1 + 2 * padding - kernel) / stride + 1, shape.OutWidth);
        Assert.Equal(2 * expected * shape.OutWidth, shape.OutRows);
        Assert.Equal(kernel * kernel * 3, shape.Taps);
        Assert.Equal(5 * kernel * kernel * 3, shape.WeightCount);
    }

    [Theory]
    [InlineData(7, 4, 2, 1, 0, 14)]
    [InlineData(14, 4, 2, 1, 0, 28)]
    [InlineData(3, 4, 2, 1, 1, 7)]
    [InlineData(4, 3, 2, 0, 0, 9)]
    public void ConvTranspose2d_output_size_is_pytorchs(int size, int kernel, int stride, int padding, int outputPadding, int expected)
    {
        ConvShape shape = ConvShape.Transposed(2, 6, size, size, 3, kernel, stride, padding, outputPadding);
        Assert.Equal(expected, shape.InHeight);
        Assert.Equal(size, shape.OutHeight);
        Assert.Equal(6, shape.OutChannels);
        Assert.Equal(3, shape.InChannels);
    }

    [Theory]
    [InlineData(1, 4, 2, 1, "image 1×1 is smaller than the 4×4 window")]
    [InlineData(8, 0, 2, 1, "kernel 0 must be positive")]
    [InlineData(8, 3, 0, 1, "stride 0 must be positive")]
    [InlineData(8, 3, 1, 3, "padding 3 must be in [0, kernel 3)")]
    public void An_impossible_convolution_is_one_line_naming_the_size(int size, int kernel, int stride, int padding, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => ConvShape.Conv2d(1, 1, size, size, 1, kernel, stride, padding));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void An_output_padding_not_below_the_stride_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => ConvShape.Transposed(1, 2, 3, 3, 1, 4, 2, 1, outputPadding: 2));
        Assert.Contains("output padding 2 must be in [0, stride 2)", error.Message, StringComparison.Ordinal);
    }
}
