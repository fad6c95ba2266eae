using System.Diagnostics;
using VaeGpu.Data;
using VaeGpu.Data.Images;
using VaeGpu.Io;
using VaeGpu.Tests.Configuration;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// Issue 19: on Linux .NET hands the program its arguments decoded as UTF-8, each undecodable byte
/// replaced by U+FFFD, so `--out $'o_\xff'` arrives as "o_\uFFFD" and the user's bytes are gone. Every
/// path setting holding U+FFFD is one line naming the key, exit 2, before anything is created; an
/// image folder entry whose name is not UTF-8 is one line naming the folder and the entry.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, and one test sets one
public sealed class NonUtf8PathTests : IDisposable
{
    private const string Says = "the path is not valid UTF-8";
    private readonly TempDirectory _temp = new();
    private readonly CliHarness _cli = new();

    public void Dispose()
    {
        // TempDirectory deletes through .NET, which cannot reach a non-UTF-8 name (it lists it with U+FFFD).
        if (OperatingSystem.IsLinux()) Bash($"rm -rf -- '{_temp.Path}'/*", _temp.Path);
        _temp.Dispose();
    }

    [Theory]
    [InlineData("train", "--out", "Run:Out")]
    [InlineData("train", "--data", "Data:Dir")]
    [InlineData("train", "--test", "Data:Test")]
    [InlineData("train", "--resume", "Run:Resume")]
    [InlineData("eval", "--run", "Run:Dir")]
    [InlineData("sample", "--out", "Sample:Out")]
    [InlineData("score", "--input", "Data:Input")]
    public void A_path_setting_with_U_FFFD_is_refused_before_anything_is_created(string verb, string option, string key)
    {
        string path = _temp.File("o_\uFFFD");
        // The rest of a valid command line, less the option under test.
        string[] others = verb == "train" ? ["--device", "cpu", "--epochs", "1", "--out", _temp.File("run")] : ["--run", _temp.File("run")];
        int same = Array.IndexOf(others, option);
        if (same >= 0) others = [.. others[..same], .. others[(same + 2)..]];
        _cli.AssertUserError(2, $"{key} = '{path}': {Says}", [verb, .. others, option, path]);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Fact]
    public void A_path_from_an_environment_variable_is_refused_too()
    {
        string path = _temp.File("o_\uFFFD");
        using var _ = new EnvironmentVariable("VAEGPU__Run__Out", path);
        _cli.AssertUserError(2, $"Run:Out = '{path}': {Says}", "train", "--device", "cpu", "--epochs", "1");
        Assert.Contains("environment variable VAEGPU__Run__Out", _cli.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Theory]
    [InlineData("cp a.png \"$(printf 'b\\377.png')\"", "b\uFFFD.png")] // a file
    [InlineData("mkdir \"$(printf 'c\\377')\" && cp a.png \"$(printf 'c\\377')/d.png\"", "c\uFFFD")] // a subfolder
    public void An_image_folder_entry_with_a_non_UTF_8_name_is_named(string script, string shown)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && File.Exists("/bin/bash"), "needs bash to create a file name that is not UTF-8");
        string folder = _temp.SubDirectory("images");
        PngWriter.WriteGrayscale(Path.Combine(folder, "a.png"), new byte[16], 4, 4);
        if (Bash(script, folder) != 0) Assert.Skip("this file system does not take a name that is not UTF-8");
        string run = _temp.File("run");
        _cli.AssertTrainFails(folder, run, [], folder, $"the entry '{shown}' has a name that is not valid UTF-8");
    }

    [Fact]
    public void A_real_U_FFFD_in_a_UTF_8_file_name_is_read()
    {
        string folder = _temp.SubDirectory("images");
        PngWriter.WriteGrayscale(Path.Combine(folder, "a\uFFFD.png"), new byte[16], 4, 4);
        ImageSet set = ImageFolderReader.Read(folder, DataSettings.Default);
        Assert.Equal(["a\uFFFD.png"], set.Ids!);
    }

    private static int Bash(string script, string directory)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = directory, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using Process process = Process.Start(start)!;
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }
}
