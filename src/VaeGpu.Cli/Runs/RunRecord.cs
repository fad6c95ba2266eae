using System.Text.Json;
using System.Text.Json.Nodes;
using VaeGpu.Cli.Configuration;
using VaeGpu.Accelerators;
using VaeGpu.Configuration;
using VaeGpu.Kernels;

namespace VaeGpu.Cli.Runs;

/// <summary>
/// What a run actually used, as opposed to what was asked: the device "auto" picked and the data a null
/// Data:Dir fell back to, with image counts. It is written into config.json as the "Resolved" section
/// (and as the resolved Data:Dir), and read back when the run is resumed, so that a resume
/// on other data is refused instead of silently training on it.
/// </summary>
public sealed record RunRecord(string DeviceName, string Data, string DataDescription, int TrainImages, int TestImages)
{
    public const string SectionName = "Resolved";

    /// <summary>
    /// config.json: the run's settings (<see cref="InvocationSettings"/> left out) with Data:Dir, Model:Likelihood
    /// and Model:GaussianSigma resolved to what the run used, plus the Resolved section.
    /// </summary>
    public static string ConfigJson(VaeGpuOptions options, Likelihood likelihood, RunRecord record)
    {
        string json = ConfigurationLoader.ToJson(options);
        var root = (JsonObject)JsonNode.Parse(json)!;
        InvocationSettings.RemoveFrom(root);
        ((JsonObject)root[nameof(VaeGpuOptions.Data)]!)[nameof(DataOptions.Dir)] = record.Data;
        var model = (JsonObject)root[nameof(VaeGpuOptions.Model)]!;
        model[nameof(ModelOptions.Likelihood)] = likelihood.Kind == LikelihoodKind.Bernoulli ? "bernoulli" : "gaussian";
        // A Bernoulli run keeps the σ it was given: it has none of its own, and auto stays auto for a later switch.
        if (likelihood.Kind != LikelihoodKind.Bernoulli)
            model[nameof(ModelOptions.GaussianSigma)] = likelihood.Sigma;
        root[SectionName] = JsonSerializer.SerializeToNode(record);
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The Resolved section of a saved config.json, or null for runs written before it existed.</summary>
    public static RunRecord? Read(string configJson)
    {
        try
        {
            JsonNode? section = JsonNode.Parse(configJson, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })?[SectionName];
            return section?.Deserialize<RunRecord>();
        }
        catch (JsonException)
        {
            return null; // RunFiles reports an unreadable config.json with its own one-line error
        }
    }
}
