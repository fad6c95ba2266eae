namespace VaeGpu.Data;

/// <summary>
/// Decides which data to train on: the directory the user named (--data DIR), else the system-wide
/// Fashion-MNIST install, else the copy embedded in the program (with a notice, since it is smaller).
/// </summary>
public static class DataLocator
{
    /// <summary>Where the dataset-fashion-mnist package installs the files.</summary>
    public const string SystemDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The --data value that selects the embedded copy explicitly.</summary>
    public const string EmbeddedKeyword = "embedded";

    public const string EmbeddedNotice =
        "no --data and no /usr/share/datasets/fashion-mnist: using the embedded Fashion-MNIST t10k copy " +
        "(9,000 train / 1,000 test; apt-get install dataset-fashion-mnist for the full set)";

    /// <param name="explicitDirectory">The directory the user asked for, or null; when given, it must hold the data.</param>
    /// <param name="defaultDirectory">Where to look when none was asked for; a parameter so tests can point elsewhere.</param>
    public static DataSplit Resolve(string? explicitDirectory, string defaultDirectory = SystemDirectory)
    {
        // "--data embedded" asks for the small built-in copy on purpose: quick checks and tests that
        // must not depend on what the machine has installed.
        if (string.Equals(explicitDirectory, EmbeddedKeyword, StringComparison.OrdinalIgnoreCase))
        {
            return EmbeddedFashionMnist.Load();
        }
        if (explicitDirectory is not null)
        {
            // What the user named is used or reported, never silently replaced by a fallback.
            return DataDirectory.Load(explicitDirectory);
        }
        if (DataDirectory.HasRequiredFiles(defaultDirectory))
        {
            return DataDirectory.Load(defaultDirectory);
        }
        return EmbeddedFashionMnist.Load(EmbeddedNotice);
    }
}
