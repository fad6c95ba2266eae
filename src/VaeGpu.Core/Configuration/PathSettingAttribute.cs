namespace VaeGpu.Configuration;

/// <summary>
/// Marks a setting whose value is a file or directory path, so that the configuration checker can
/// refuse a name the program cannot reach (see the CLI's ConfigurationChecker): one list, on the options themselves.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PathSettingAttribute : Attribute;
