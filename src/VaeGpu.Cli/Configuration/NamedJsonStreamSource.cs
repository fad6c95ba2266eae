using Microsoft.Extensions.Configuration.Json;

namespace VaeGpu.Cli.Configuration;

/// <summary>JSON read from memory (a run's saved config.json) that keeps a name for error messages.</summary>
internal sealed class NamedJsonStreamSource : JsonStreamConfigurationSource
{
    public required string Name { get; init; }
}
