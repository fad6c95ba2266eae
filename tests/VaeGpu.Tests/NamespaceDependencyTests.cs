namespace VaeGpu.Tests;

/// <summary>
/// Keeps the core's namespaces free of the cycles issue 11 removed: Data, Io, Training and Random report
/// user mistakes through <see cref="UserInputException"/> at the root and do not import Configuration
/// (which imports them); Random does not import Accelerators (which imports Random).
/// </summary>
public sealed class NamespaceDependencyTests
{
    private static string Core => Path.Combine(RepositoryRoot.Path, "src", "VaeGpu.Core");

    [Theory]
    [InlineData("Data", "using VaeGpu.Configuration;")]
    [InlineData("Io", "using VaeGpu.Configuration;")]
    [InlineData("Training", "using VaeGpu.Configuration;")]
    [InlineData("Random", "using VaeGpu.Configuration;")]
    [InlineData("Random", "using VaeGpu.Accelerators;")]
    public void A_namespace_does_not_import_one_that_imports_it(string folder, string forbidden)
    {
        string[] files = Directory.GetFiles(Path.Combine(Core, folder), "*.cs", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        string[] offenders = files.Where(f => File.ReadLines(f).Any(line => line.Trim() == forbidden))
            .Select(f => Path.GetRelativePath(Core, f)).ToArray();
        Assert.True(offenders.Length == 0, $"{forbidden} in {string.Join(", ", offenders)}");
    }

    [Fact]
    public void UserInputException_lives_at_the_core_root() =>
        Assert.Equal("VaeGpu", typeof(UserInputException).Namespace);
}
