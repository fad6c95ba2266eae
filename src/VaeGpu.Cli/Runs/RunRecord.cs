using System.Text.Json;
using System.Text.Json.Nodes;
using VaeGpu.Cli.Configuration;
using VaeGpu.Configuration;

namespace VaeGpu.Cli.Runs;

/// <summary>
/// What a run actually used, as opposed to what was asked: the device "auto" picked and the data a null
/// Data:Dir fell back to, with image counts. It is written into config.json as the "Resolved" section
/// (and as the resolved Device and Data:Dir), and read back when the run is resumed, so that a resume
/// on other data is refused instead of silently training on it.
/// </summary>
public sealed record RunRecord(string DeviceName, string Data, string DataDescription, int TrainImages, int TestImages)
{
    public const string SectionName = "Resolved";

    /// <summary>config.json: the effective options with Device and Data:Dir resolved, plus the Resolved section.</summary>
    public static string ConfigJson(VaeGpuOptions options, string device, RunRecord record)
    {
        string json = ConfigurationLoader.ToJson(options);
        var root = (JsonObject)JsonNode.Parse(json)!;
        root[nameof(VaeGpuOptions.Device)] = device;
        ((JsonObject)root[nameof(VaeGpuOptions.Data)]!)[nameof(DataOptions.Dir)] = record.Data;
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
