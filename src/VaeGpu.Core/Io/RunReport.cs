using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace VaeGpu.Io;

/// <summary>
/// report.html: one self-contained page per run directory (no scripts, no external files): the
/// summary, inline SVG curves of the losses per epoch, the sample and reconstruction grids as
/// data: URIs, the per-epoch table and the configuration. Written as well-formed XHTML-compatible
/// markup so that it parses as XML too. Everything comes from the run directory's files, plus the
/// device and the model, which the caller knows.
/// </summary>
public static class RunReport
{
    public const string FileName = "report.html";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Write(RunDirectory run, string device, string model) =>
        AtomicFile.WriteAllText(run.File(FileName), Render(run, device, model));

    public static string Render(RunDirectory run, string device, string model)
    {
        IReadOnlyList<EpochMetrics> metrics = File.Exists(run.Metrics) ? MetricsCsv.Read(run.Metrics) : [];
        string config = File.Exists(run.Config) ? File.ReadAllText(run.Config) : "(no config.json)";
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n");
        html.Append("<title>VaeGpu run ").Append(Escape(Path.GetFileName(run.Path))).Append("</title>\n");
        html.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>VaeGpu run report</h1>\n<p class=\"sub\">").Append(Escape(run.Path)).Append(" &#183; written ")
            .Append(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", Invariant)).Append(" UTC</p>\n");

        Summary(html, metrics, device, model);
        Evaluation(html, run.File("eval.json"));

        html.Append("<h2>Loss per epoch</h2>\n<p class=\"note\">Nats per test image, β = 1; the test −ELBO uses sampled z. ")
            .Append("Lower is better.</p>\n<div class=\"charts\">\n");
        double[] epochs = metrics.Select(m => (double)m.Epoch).ToArray();
        Chart(html, "−ELBO (train and test)", epochs,
            [("train", "#1f77b4", metrics.Select(m => m.TrainLoss).ToArray()), ("test", "#d62728", metrics.Select(m => m.TestLoss).ToArray())]);
        Chart(html, "Reconstruction NLL (test)", epochs, [("test", "#2ca02c", metrics.Select(m => m.TestRecon).ToArray())]);
        Chart(html, "KL(q(z|x) ‖ p(z)) (test)", epochs, [("test", "#9467bd", metrics.Select(m => m.TestKl).ToArray())]);
        html.Append("</div>\n");

        html.Append("<h2>Images</h2>\n<div class=\"images\">\n");
        Figure(html, run.Samples, "Samples: decoded z ~ N(0, I)");
        Figure(html, run.Reconstructions, "Reconstructions: test images (upper rows) over their reconstructions from the posterior mean");
        html.Append("</div>\n");

        EpochTable(html, metrics);
        html.Append("<h2>Configuration</h2>\n<pre>").Append(Escape(config.Trim())).Append("</pre>\n");
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private const string Style = """
        body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px 32px; color: #222; max-width: 1150px; }
        h1 { margin-bottom: 2px; } h2 { margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        .sub, .note { color: #666; font-size: 13px; margin-top: 2px; }
        table { border-collapse: collapse; font-size: 14px; }
        td, th { padding: 3px 12px 3px 0; text-align: left; } th { color: #555; font-weight: normal; }
        table.epochs td, table.epochs th { text-align: right; padding: 2px 10px; border-bottom: 1px solid #eee; }
        .charts, .images { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
        figure { margin: 0; } figcaption { font-size: 13px; color: #555; max-width: 480px; }
        img { image-rendering: pixelated; border: 1px solid #ccc; }
        pre { background: #f6f6f6; padding: 10px; font-size: 12px; overflow-x: auto; }
        svg text { font-family: "DejaVu Sans", Arial, sans-serif; }

        """;

    private static void Summary(StringBuilder html, IReadOnlyList<EpochMetrics> metrics, string device, string model)
    {
        html.Append("<table class=\"summary\">\n");
        Row(html, "model", model);
        Row(html, "device", device);
        if (metrics.Count > 0)
        {
            EpochMetrics last = metrics[^1];
            Row(html, "epochs", last.Epoch.ToString(Invariant));
            Row(html, "test −ELBO", $"{F(last.TestLoss)} nats (reconstruction {F(last.TestRecon)}, KL {F(last.TestKl)})");
            Row(html, "train −ELBO", $"{F(last.TrainLoss)} nats (mean over the last epoch)");
            double seconds = metrics.Sum(m => m.Seconds);
            Row(html, "throughput", $"{last.SamplesPerSecond.ToString("N0", Invariant)} samples/s in the last epoch, " +
                $"{metrics.Average(m => m.SamplesPerSecond).ToString("N0", Invariant)} on average; {seconds.ToString("F1", Invariant)} s of training");
        }
        else
        {
            Row(html, "epochs", "none finished yet");
        }
        html.Append("</table>\n");
    }

    private static void Evaluation(StringBuilder html, string path)
    {
        if (!File.Exists(path)) return;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = doc.RootElement;
            html.Append("<h2>Evaluation (eval.json)</h2>\n<table class=\"summary\">\n");
            if (root.TryGetProperty("epoch", out JsonElement epoch)) Row(html, "after epoch", epoch.ToString());
            if (root.TryGetProperty("neg_elbo", out JsonElement elbo))
                Row(html, "test −ELBO", $"{F(elbo.GetDouble())} nats, {F4(root.GetProperty("neg_elbo_bits_per_dim").GetDouble())} bits/dim");
            if (root.TryGetProperty("neg_log_px", out JsonElement nll))
                Row(html, "test −log p(x)", $"{F(nll.GetDouble())} nats, {F4(root.GetProperty("neg_log_px_bits_per_dim").GetDouble())} bits/dim " +
                    $"(K = {root.GetProperty("importance_samples").GetInt32().ToString("N0", Invariant)} importance samples)");
            html.Append("</table>\n");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            html.Append("<p class=\"note\">eval.json could not be read.</p>\n");
        }
    }

    private static void EpochTable(StringBuilder html, IReadOnlyList<EpochMetrics> metrics)
    {
        html.Append("<h2>Per epoch</h2>\n<table class=\"epochs\">\n<tr><th>epoch</th><th>train −ELBO</th><th>test −ELBO</th>")
            .Append("<th>test recon</th><th>test KL</th><th>seconds</th><th>samples/s</th></tr>\n");
        foreach (EpochMetrics m in metrics)
            html.Append("<tr><td>").Append(m.Epoch.ToString(Invariant)).Append("</td><td>").Append(F(m.TrainLoss)).Append("</td><td>")
                .Append(F(m.TestLoss)).Append("</td><td>").Append(F(m.TestRecon)).Append("</td><td>").Append(F(m.TestKl))
                .Append("</td><td>").Append(m.Seconds.ToString("F1", Invariant)).Append("</td><td>")
                .Append(m.SamplesPerSecond.ToString("N0", Invariant)).Append("</td></tr>\n");
        html.Append("</table>\n");
    }

    private static void Figure(StringBuilder html, string path, string caption)
    {
        if (!File.Exists(path)) return;
        byte[] png = File.ReadAllBytes(path);
        (int width, int height) = PngSize(png);
        html.Append("<figure><img alt=\"").Append(Escape(Path.GetFileName(path))).Append("\" width=\"").Append(width * 2)
            .Append("\" height=\"").Append(height * 2).Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png))
            .Append("\" /><figcaption>").Append(Escape(caption)).Append("</figcaption></figure>\n");
    }

    private static (int Width, int Height) PngSize(byte[] png) =>
        png.Length >= 24
            ? ((png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19], (png[20] << 24) | (png[21] << 16) | (png[22] << 8) | png[23])
            : (0, 0);

    /// <summary>A line chart of one or more series over epochs, axes with round ticks, a legend.</summary>
    private static void Chart(StringBuilder html, string title, double[] x, (string Name, string Color, double[] Values)[] series)
    {
        const int W = 360, H = 250, Left = 56, Right = 12, Top = 44, Bottom = 38;
        html.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\">\n");
        html.Append($"<text x=\"{W / 2}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{Escape(title)}</text>\n");
        double[] all = series.SelectMany(s => s.Values).Where(double.IsFinite).ToArray();
        if (x.Length == 0 || all.Length == 0)
        {
            html.Append($"<text x=\"{W / 2}\" y=\"{H / 2}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#888\">no finished epoch yet</text>\n</svg>\n");
            return;
        }
        double xMin = x.Min(), xMax = Math.Max(x.Max(), xMin + 1);
        (double yMin, double yMax, double yStep) = NiceRange(all.Min(), all.Max());
        double PlotX(double v) => Left + (v - xMin) / (xMax - xMin) * (W - Left - Right);
        double PlotY(double v) => H - Bottom - (v - yMin) / (yMax - yMin) * (H - Top - Bottom);

        for (double t = yMin; t <= yMax + yStep / 2; t += yStep)
        {
            double y = PlotY(t);
            html.Append($"<line x1=\"{Left}\" x2=\"{W - Right}\" y1=\"{N(y)}\" y2=\"{N(y)}\" stroke=\"#e5e5e5\" />")
                .Append($"<text x=\"{Left - 5}\" y=\"{N(y + 4)}\" text-anchor=\"end\" font-size=\"11\">{Escape(Tick(t, yStep))}</text>\n");
        }
        int xStep = Math.Max(1, (int)Math.Ceiling((xMax - xMin) / 10));
        for (double t = xMin; t <= xMax + 1e-9; t += xStep)
            html.Append($"<text x=\"{N(PlotX(t))}\" y=\"{H - Bottom + 15}\" text-anchor=\"middle\" font-size=\"11\">{t.ToString(Invariant)}</text>\n");
        html.Append($"<text x=\"{(Left + W - Right) / 2}\" y=\"{H - 6}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#555\">epoch</text>\n");
        html.Append($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{W - Left - Right}\" height=\"{H - Top - Bottom}\" fill=\"none\" stroke=\"#999\" />\n");

        // Legend and unit above the plot, where they can never hide a point.
        html.Append($"<text x=\"{Left - 5}\" y=\"{Top - 8}\" text-anchor=\"end\" font-size=\"11\" fill=\"#555\">nats</text>\n");
        int legendX = W - Right;
        foreach ((string name, string color, double[] _) in series.Reverse())
        {
            html.Append($"<text x=\"{legendX}\" y=\"{Top - 8}\" text-anchor=\"end\" font-size=\"12\" fill=\"{color}\">{Escape(name)}</text>")
                .Append($"<line x1=\"{legendX - 7 * name.Length - 22}\" x2=\"{legendX - 7 * name.Length - 6}\" y1=\"{Top - 12}\" y2=\"{Top - 12}\" stroke=\"{color}\" stroke-width=\"2\" />\n");
            legendX -= 7 * name.Length + 34;
        }
        foreach ((string _, string color, double[] values) in series)
        {
            var points = new StringBuilder();
            for (int i = 0; i < values.Length && i < x.Length; i++)
                if (double.IsFinite(values[i])) points.Append(N(PlotX(x[i]))).Append(',').Append(N(PlotY(values[i]))).Append(' ');
            html.Append($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{points.ToString().TrimEnd()}\" />\n");
            for (int i = 0; i < values.Length && i < x.Length; i++)
                if (double.IsFinite(values[i]))
                    html.Append($"<circle cx=\"{N(PlotX(x[i]))}\" cy=\"{N(PlotY(values[i]))}\" r=\"3\" fill=\"{color}\" />");
            html.Append('\n');
        }
        html.Append("</svg>\n");
    }

    /// <summary>Axis bounds on multiples of a 1-2-5 step, about five ticks, with a margin when the data are flat.</summary>
    private static (double Min, double Max, double Step) NiceRange(double min, double max)
    {
        if (max - min < 1e-9 * Math.Max(1, Math.Abs(max))) { min -= Math.Max(1, Math.Abs(min) * 0.01); max += Math.Max(1, Math.Abs(max) * 0.01); }
        double raw = (max - min) / 5, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw))), step;
        double f = raw / magnitude;
        step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
        return (Math.Floor(min / step) * step, Math.Ceiling(max / step) * step, step);
    }

    private static string Tick(double value, double step) => value.ToString(step >= 1 ? "F0" : step >= 0.1 ? "F1" : "F2", Invariant);

    private static void Row(StringBuilder html, string name, string value) =>
        html.Append("<tr><th>").Append(Escape(name)).Append("</th><td>").Append(Escape(value)).Append("</td></tr>\n");

    private static string F(double v) => v.ToString("F2", Invariant);

    private static string F4(double v) => v.ToString("F4", Invariant);

    private static string N(double v) => v.ToString("F1", Invariant);

    /// <summary>Text and attribute escaping that is valid in both HTML and XML (no named entities beyond XML's).</summary>
    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
