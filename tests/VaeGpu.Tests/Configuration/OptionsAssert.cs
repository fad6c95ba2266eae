using VaeGpu.Cli.Configuration;
using VaeGpu.Configuration;

namespace VaeGpu.Tests.Configuration;

internal static class OptionsAssert
{
    /// <summary>Compares every bindable value, naming the first key that differs.</summary>
    public static void AllValuesEqual(VaeGpuOptions expected, VaeGpuOptions actual)
    {
        Assert.NotEmpty(OptionsSchema.Leaves);
        foreach (OptionsSchema.Leaf leaf in OptionsSchema.Leaves)
            Assert.True(Equals(leaf.Read(expected), leaf.Read(actual)),
                $"{leaf.Key}: expected '{leaf.Read(expected)}', got '{leaf.Read(actual)}'");
    }

    /// <summary>Asserts a user-facing message is a single line that names the key and quotes the value.</summary>
    public static void NamesKeyAndValue(UserInputException error, string key, string value)
    {
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
    }
}
