using Microsoft.Extensions.Configuration;
using VaeGpu.Cli.Configuration;
using VaeGpu.Configuration;

namespace VaeGpu.Tests.Configuration;

public sealed class AppSettingsTests
{
    private static IConfigurationRoot ShippedFile()
    {
        Assert.True(File.Exists(ConfigurationLoader.SettingsFilePath), $"{ConfigurationLoader.SettingsFilePath} was not copied to the output");
        return new ConfigurationBuilder().AddJsonFile(ConfigurationLoader.SettingsFilePath, optional: false, reloadOnChange: false).Build();
    }

    [Fact]
    public void The_shipped_file_parses_with_its_comments_and_binds_to_the_code_defaults()
    {
        VaeGpuOptions fromFile = ConfigurationLoader.Bind(ShippedFile(), CommandSwitches.Train);

        OptionsAssert.AllValuesEqual(new VaeGpuOptions(), fromFile);
    }

    [Fact]
    public void The_shipped_file_documents_every_key()
    {
        IConfigurationRoot file = ShippedFile();

        foreach (OptionsSchema.Leaf leaf in OptionsSchema.Leaves)
            Assert.True(file.Providers.Single().TryGet(leaf.Key, out _), $"appsettings.json lacks {leaf.Key}");
    }

    [Fact]
    public void The_shipped_file_has_a_comment_above_every_key()
    {
        string[] lines = File.ReadAllLines(ConfigurationLoader.SettingsFilePath);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            bool opensKey = line.StartsWith('"');
            if (!opensKey || line.EndsWith('{'))
                continue;
            // A key may share the comment of the key just above it (LogVarMin and LogVarMax, Beta1 and Beta2).
            string previous = lines[i - 1].Trim();
            Assert.True(previous.StartsWith("//", StringComparison.Ordinal) || previous.StartsWith('"'),
                $"line {i + 1} ({line}) has no comment above it");
        }
    }
}
