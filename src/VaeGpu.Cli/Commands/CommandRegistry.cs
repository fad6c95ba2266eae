namespace VaeGpu.Cli.Commands;

/// <summary>The verbs the CLI knows, in the order the usage text lists them.</summary>
public sealed class CommandRegistry
{
    private readonly List<ICommand> _commands = [];

    public IReadOnlyList<ICommand> Commands => _commands;

    /// <summary>Adds a verb; returns the registry so registrations chain.</summary>
    public CommandRegistry Add(ICommand command)
    {
        if (TryGet(command.Name, out _))
            throw new ArgumentException($"a command named '{command.Name}' is already registered", nameof(command));
        _commands.Add(command);
        return this;
    }

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ICommand? command)
    {
        command = _commands.FirstOrDefault(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        return command is not null;
    }
}
