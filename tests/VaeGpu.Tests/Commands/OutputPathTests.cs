using VaeGpu.Tests.Configuration;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// An analysis verb's --out is checked before the work: its extension must be the format the verb
/// writes (a PNG, a table run's CSV, eval's JSON), and a place where no file can be made is named as such.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which other tests set
public sealed class OutputPathTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly CliHarness _cli = new();

    public void Dispose() => _temp.Dispose();

    private string ImageRun()
    {
        string run = _temp.File("run");
        Assert.True(_cli.Run("train", "--device", "cpu", "--data", "embedded", "--hidden", "8", "--latent", "2", "--epochs", "1", "--out", run) == 0, _cli.Error);
        return run;
    }

    [Fact]
    public void An_out_whose_extension_is_not_what_the_verb_writes_is_refused_and_nothing_is_written()
    {
        string run = ImageRun();
        var before = CliHarness.Snapshot(run);
        (string Verb, string Out, string Says)[] cases =
        [
            ("sample", "x.jpg", "this verb writes a PNG image; name a .png file"),
            ("reconstruct", "x", "this verb writes a PNG image; name a .png file"),
            ("interpolate", "x.csv", "this verb writes a PNG image; name a .png file"),
            ("latents", "x.png", "this verb writes CSV text; name a .csv file"),
            ("score", "x.json", "this verb writes CSV text; name a .csv file"),
            ("eval", "x.csv", "this verb writes JSON; name a .json file"),
        ];
        foreach ((string verb, string name, string says) in cases)
        {
            string target = _temp.File(name);
            _cli.AssertUserError(2, $"Sample:Out = '{target}': {says}", verb, "--run", run, "--out", target, "--Analysis:ImportanceSamples=0");
            Assert.False(File.Exists(target), $"{verb} wrote {name}");
        }
        CliHarness.AssertUnchanged(before, run);
    }

    [Fact]
    public void The_extension_is_matched_whatever_its_case()
    {
        string run = ImageRun();
        string target = _temp.File("Prior.PNG");

        Assert.True(_cli.Run("sample", "--run", run, "--count", "4", "--out", target) == 0, _cli.Error);

        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(target).Take(4).ToArray());
    }

    [Fact]
    public void A_table_runs_records_are_not_written_under_an_image_name()
    {
        string data = _temp.File("t.csv");
        var random = new System.Random();
        File.WriteAllLines(data, ["a,b,c", .. Enumerable.Range(0, 60).Select(_ => $"{random.NextDouble()},{random.NextDouble()},{random.NextDouble()}")]);
        string run = _temp.File("run");
        Assert.True(_cli.Run("train", "--device", "cpu", "--data", data, "--hidden", "8", "--latent", "2", "--epochs", "1", "--out", run) == 0, _cli.Error);

        foreach (string verb in new[] { "sample", "reconstruct" })
        {
            string target = _temp.File("it.png");
            _cli.AssertUserError(2, "this verb writes CSV text (a table run's records are rows, not images); name a .csv file",
                verb, "--run", run, "--out", target);
            Assert.False(File.Exists(target));
        }
    }

    [Fact]
    public void An_out_on_a_kernel_file_system_says_no_file_can_be_made_there()
    {
        Assert.SkipUnless(Directory.Exists("/proc/self"), "no /proc on this system");
        string run = ImageRun();

        _cli.AssertUserError(2, "cannot write in /proc: this file system does not let files be created here", "sample", "--run", run, "--out", "/proc/x.png");

        Assert.DoesNotContain("Could not find file", _cli.Error, StringComparison.Ordinal);
    }
}
