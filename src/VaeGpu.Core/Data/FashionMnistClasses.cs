namespace VaeGpu.Data;

/// <summary>The ten Fashion-MNIST class names, by label.</summary>
public static class FashionMnistClasses
{
    public static IReadOnlyList<string> Names { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>"1 (Trouser)", or just the number for a label outside 0 to 9.</summary>
    public static string Describe(int label) =>
        label >= 0 && label < Names.Count ? $"{label} ({Names[label]})" : label.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
