using VaeGpu.Configuration;
using VaeGpu.Data;

namespace VaeGpu.Tests.Data;

public sealed class ImageSetTests
{
    private const int Rows = 3, Cols = 2, Count = 10;

    private static ImageSet Sample(bool labelled = true)
    {
        byte[] pixels = IdxBytes.RandomBytes(seed: 21, Count * Rows * Cols);
        byte[]? labels = labelled ? [0, 1, 2, 1, 1, 0, 2, 2, 1, 0] : null;
        return new ImageSet(pixels, Count, Rows, Cols, labels, "sample.idx");
    }

    [Fact]
    public void Slice_copies_the_right_images_and_labels()
    {
        ImageSet all = Sample();
        ImageSet slice = all.Slice(3, 4);

        Assert.Equal(4, slice.Count);
        Assert.Equal(all.Pixels.AsSpan(3 * 6, 4 * 6).ToArray(), slice.Pixels);
        Assert.Equal(new byte[] { 1, 1, 0, 2 }, slice.Labels);
        Assert.Equal(all.Image(5).ToArray(), slice.Image(2).ToArray());
    }

    [Fact]
    public void Slice_out_of_range_throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sample().Slice(8, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sample().Slice(-1, 2));
    }

    [Fact]
    public void OnlyClass_and_WithoutClass_partition_the_set()
    {
        ImageSet all = Sample();
        ImageSet ones = all.OnlyClass(1);
        ImageSet others = all.WithoutClass(1);

        Assert.Equal(4, ones.Count);
        Assert.All(ones.Labels!, label => Assert.Equal(1, label));
        Assert.Equal(6, others.Count);
        Assert.DoesNotContain((byte)1, others.Labels!);
        // Images keep their order and stay paired with their labels.
        Assert.Equal(all.Image(1).ToArray(), ones.Image(0).ToArray());
        Assert.Equal(all.Image(8).ToArray(), ones.Image(3).ToArray());
        Assert.Equal(all.Image(9).ToArray(), others.Image(5).ToArray());
    }

    [Fact]
    public void Selecting_by_class_without_labels_is_a_clear_user_error()
    {
        ImageSet unlabelled = Sample(labelled: false);
        UserErrors.AssertOneLine(() => unlabelled.WithoutClass(3), "sample.idx", "has no labels");
        Assert.Throws<UserInputException>(() => unlabelled.OnlyClass(3));
    }

    [Fact]
    public void ImageAsFloats_scales_to_unit_range()
    {
        ImageSet set = new([0, 51, 255, 128], 1, 2, 2);
        Assert.Equal(new[] { 0f, 0.2f, 1f, 128 / 255f }, set.ImageAsFloats(0));
    }

    [Fact]
    public void Inconsistent_sizes_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new ImageSet(new byte[11], 2, 2, 3));
        Assert.Throws<ArgumentException>(() => new ImageSet(new byte[12], 2, 2, 3, labels: [1]));
    }
}
