using System.Globalization;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using VaeGpu.Io;
using VaeGpu.Tests.Configuration;
using VaeGpu.Tests.Io;
using VaeGpu.Io.Checkpoints;

namespace VaeGpu.Tests.Commands;

/// <summary>
/// One small run on the embedded data, trained once for the analysis verbs: a 2-D latent space (so
/// latents draws the manifold) with class 1 (Trouser) left out of training (so score has an AUC).
/// </summary>
public sealed class AnalysisRunFixture : IDisposable
{
    public static readonly string[] SmallModel = ["--data", "embedded", "--hidden", "48", "--latent", "2", "--batch-size", "250", "--device", "cpu"];

    public AnalysisRunFixture()
    {
        var cli = new CliHarness();
        Run = Temp.File("run");
        int code = cli.Run(["train", .. SmallModel, "--epochs", "2", "--exclude-class", "1", "--out", Run]);
        Assert.True(code == 0, cli.Error);
        TrainOutput = cli.Output;
    }

    public TempDirectory Temp { get; } = new();
    public string Run { get; }
    public string TrainOutput { get; }

    public void Dispose() => Temp.Dispose();
}

/// <summary>eval --iw, interpolate, latents, score, reconstruct --noise, train --exclude-class and report.html, end to end.</summary>
[Collection(ProcessEnvironmentCollection.Name)] // the CLI reads VAEGPU__* variables, which other tests set
public sealed class AnalysisVerbTests(AnalysisRunFixture fixture) : IClassFixture<AnalysisRunFixture>, IDisposable
{
    private const int TestImages = 1000; // the embedded set's test split
    private const int Tile = 28, Pad = ImageGrid.Padding;
    private readonly TempDirectory _temp = new();
    private readonly CliHarness _cli = new();
    private string Run => fixture.Run;

    public void Dispose() => _temp.Dispose();

    private static int GridSize(int tiles) => tiles * Tile + (tiles + 1) * Pad;

    [Fact]
    public void Train_exclude_class_leaves_the_class_out_of_training_and_records_it()
    {
        // The embedded training split has 890 trousers among its 9,000 images.
        Assert.Contains("class 1 (Trouser) left out of training: 8,110 training images remain", fixture.TrainOutput, StringComparison.Ordinal);
        Assert.Equal(2 * 33, Checkpoint.Load(new RunDirectory(Run).Checkpoint).Step); // ⌈8,110 / 250⌉ = 33 steps per epoch
        Assert.Contains("\"ExcludeClass\": 1", File.ReadAllText(new RunDirectory(Run).Config), StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_iw_estimates_log_px_below_the_elbo_and_saves_it()
    {
        Assert.Equal(0, _cli.Run("eval", "--run", Run, "--iw", "8"));
        Assert.Matches(@"test -log p\(x\) \d+\.\d+ nats .*bits/dim .*K = 8 importance samples", _cli.Output);
        JsonElement k8 = ReadJson(new RunDirectory(Run).File("eval.json"));
        Assert.Equal(8, k8.GetProperty("importance_samples").GetInt32());
        Assert.Equal(TestImages, k8.GetProperty("examples").GetInt32());
        double elbo = k8.GetProperty("neg_elbo").GetDouble(), nll = k8.GetProperty("neg_log_px").GetDouble();
        Assert.True(nll < elbo, $"-log p(x) {nll} is not below -ELBO {elbo}");
        Assert.Equal(nll / (784 * Math.Log(2)), k8.GetProperty("neg_log_px_bits_per_dim").GetDouble(), 1e-9);

        // K = 1 is a one-sample ELBO estimate: equal to the -ELBO within its Monte-Carlo error.
        string k1Path = _temp.File("k1.json");
        Assert.Equal(0, _cli.Run("eval", "--run", Run, "--iw", "1", "--out", k1Path));
        JsonElement k1 = ReadJson(k1Path);
        double gap = k1.GetProperty("gap").GetDouble(), gapError = k1.GetProperty("gap_standard_error").GetDouble();
        Assert.True(Math.Abs(gap) < 4 * gapError + 1e-3, $"K = 1 differs from the -ELBO by {gap} ± {gapError}");

        // Reproducible: the same command gives the same figure.
        string again = _temp.File("again.json");
        Assert.Equal(0, _cli.Run("eval", "--run", Run, "--iw", "1", "--out", again));
        Assert.Equal(k1.GetProperty("neg_log_px").GetDouble(), ReadJson(again).GetProperty("neg_log_px").GetDouble());
    }

    [Fact]
    public void Interpolate_writes_a_strip_of_both_inputs_and_the_decoded_path()
    {
        string linear = _temp.File("linear.png"), spherical = _temp.File("spherical.png");
        Assert.Equal(0, _cli.Run("interpolate", "--run", Run, "--from", "3", "--to", "7", "--steps", "6", "--out", linear));
        Assert.Equal(0, _cli.Run("interpolate", "--run", Run, "--spherical", "--from", "3", "--to", "7", "--steps", "6", "--out", spherical));
        Assert.Contains("spherical path", _cli.Output, StringComparison.Ordinal);
        PngReader.Decoded a = PngReader.Decode(File.ReadAllBytes(linear)), b = PngReader.Decode(File.ReadAllBytes(spherical));
        Assert.Equal((GridSize(8), GridSize(1)), (a.Width, a.Height));
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        Assert.NotEqual(a.Pixels, b.Pixels);

        Assert.Equal(0, _cli.Run("interpolate", "--run", Run));
        Assert.Equal(GridSize(12), PngReader.Decode(File.ReadAllBytes(new RunDirectory(Run).File("interpolation.png"))).Width);
    }

    [Fact]
    public void Latents_writes_the_posterior_means_and_for_two_dimensions_the_manifold()
    {
        string csv = _temp.File("codes.csv");
        Assert.Equal(0, _cli.Run("latents", "--run", Run, "--out", csv));
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal("index,label,mu_0,mu_1", lines[0]);
        Assert.Equal(TestImages + 1, lines.Length);
        Assert.All(lines.Skip(1), line => Assert.Equal(4, line.Split(',').Length));
        Assert.True(double.IsFinite(double.Parse(lines[1].Split(',')[2], CultureInfo.InvariantCulture)));
        PngReader.Decoded manifold = PngReader.Decode(File.ReadAllBytes(_temp.File("codes-manifold.png")));
        Assert.Equal((GridSize(20), GridSize(20)), (manifold.Width, manifold.Height));
    }

    [Fact]
    public void Score_writes_one_score_per_image_and_the_held_out_class_auc()
    {
        Assert.Equal(0, _cli.Run("score", "--run", Run));
        Assert.Matches(@"ROC-AUC [01]\.\d{4} for telling held-out class 1 \(Trouser\) \(110 images\) from the other 890 by -ELBO", _cli.Output);
        string[] lines = File.ReadAllLines(new RunDirectory(Run).File("scores.csv"));
        Assert.Equal("index,label,neg_elbo", lines[0]);
        Assert.Equal(TestImages + 1, lines.Length);

        string iw = _temp.File("iw.csv");
        Assert.Equal(0, _cli.Run("score", "--run", Run, "--iw", "2", "--out", iw));
        Assert.Contains("K = 2", _cli.Output, StringComparison.Ordinal);
        Assert.Equal("index,label,neg_log_px", File.ReadLines(iw).First());
    }

    [Fact]
    public void Reconstruct_noise_shows_noisy_inputs_reconstructions_and_clean_inputs()
    {
        string path = _temp.File("denoise.png");
        Assert.Equal(0, _cli.Run("reconstruct", "--run", Run, "--count", "10", "--noise", "0.25", "--out", path));
        PngReader.Decoded grid = PngReader.Decode(File.ReadAllBytes(path));
        Assert.Equal((GridSize(8), GridSize(6)), (grid.Width, grid.Height)); // two groups of three rows
    }

    [Fact]
    public void Report_html_is_well_formed_and_self_contained()
    {
        string path = new RunDirectory(Run).File("report.html");
        string html = File.ReadAllText(path);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore };
        using var reader = XmlReader.Create(new StringReader(html), settings);
        XDocument doc = XDocument.Load(reader); // throws when the markup is not well-formed
        XNamespace x = "http://www.w3.org/1999/xhtml", svg = "http://www.w3.org/2000/svg";
        Assert.Equal(3, doc.Descendants(svg + "svg").Count());
        Assert.Equal(2, doc.Descendants(svg + "polyline").Count(p => p.Parent!.Descendants(svg + "text").Any(t => t.Value.Contains("ELBO"))));
        XElement[] images = doc.Descendants(x + "img").ToArray();
        Assert.Equal(2, images.Length);
        Assert.All(images, img => Assert.StartsWith("data:image/png;base64,", (string?)img.Attribute("src"), StringComparison.Ordinal));
        // Self-contained: nothing is fetched, nothing runs.
        Assert.DoesNotContain(doc.Descendants(), e => e.Name.LocalName is "script" or "link" or "iframe" or "object");
        Assert.All(doc.Descendants().Attributes().Where(a => a.Name.LocalName is "src" or "href"),
            a => Assert.StartsWith("data:", a.Value, StringComparison.Ordinal));
        Assert.DoesNotContain("url(", html, StringComparison.Ordinal);
        Assert.Contains("cpu", html, StringComparison.Ordinal);
        Assert.Contains("samples/s", html, StringComparison.Ordinal);
        Assert.Contains("&quot;ExcludeClass&quot;: 1", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_run_directories_files_and_arguments_are_one_line_errors()
    {
        string missing = _temp.File("missing");
        Directory.CreateDirectory(_temp.File("empty"));
        foreach (string verb in new[] { "interpolate", "latents", "score", "eval" })
        {
            _cli.AssertUserError(2, "Run:Dir", verb);
            _cli.AssertUserError(2, "no such run directory", verb, "--run", missing);
            _cli.AssertUserError(2, "no checkpoint.bin", verb, "--run", _temp.File("empty"));
            _cli.AssertUserError(2, "data directory not found", verb, "--run", Run, "--data", _temp.File("nowhere"));
        }

        // A run directory that lost its config.json is named as such, whatever the verb.
        string noConfig = _temp.SubDirectory("no-config");
        File.Copy(new RunDirectory(Run).Checkpoint, Path.Combine(noConfig, "checkpoint.bin"));
        foreach (string verb in new[] { "interpolate", "latents", "score", "eval", "reconstruct" })
            _cli.AssertUserError(2, "it has no config.json", verb, "--run", noConfig);

        _cli.AssertUserError(2, "Analysis:ImportanceSamples = '-1'", "eval", "--run", Run, "--iw", "-1");
        _cli.AssertUserError(2, "Analysis:ImportanceSamples = 'many'", "eval", "--run", Run, "--iw", "many");
        _cli.AssertUserError(2, "Analysis:ScoreImportanceSamples = '2000000'", "score", "--run", Run, "--iw", "2000000");
        _cli.AssertUserError(2, "Analysis:From = '1000': must be 0 to 999", "interpolate", "--run", Run, "--from", "1000");
        _cli.AssertUserError(2, "Analysis:To = '-1'", "interpolate", "--run", Run, "--to", "-1");
        _cli.AssertUserError(2, "Analysis:Steps = '1'", "interpolate", "--run", Run, "--steps", "1");
        _cli.AssertUserError(2, "Analysis:Path = 'curvy'", "interpolate", "--run", Run, "--Analysis:Path=curvy");
        _cli.AssertUserError(2, "option --out needs a value", "interpolate", "--run", Run, "--out", "--spherical");
        _cli.AssertUserError(2, "Analysis:Noise = '1.5'", "reconstruct", "--run", Run, "--noise", "1.5");
        _cli.AssertUserError(2, "Analysis:Noise = '-0.1'", "reconstruct", "--run", Run, "--noise", "-0.1");
        _cli.AssertUserError(2, "Training:ExcludeClass = '256'", ["train", .. AnalysisRunFixture.SmallModel, "--exclude-class", "256"]);
        _cli.AssertUserError(2, "no training image has label 10",
            ["train", .. AnalysisRunFixture.SmallModel, "--exclude-class", "10", "--out", _temp.File("never")]);
        _cli.AssertUserError(2, "unknown option --spherical", "latents", "--run", Run, "--spherical", "x");
    }

    private static JsonElement ReadJson(string path)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    }
}
