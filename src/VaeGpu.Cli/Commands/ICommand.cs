namespace VaeGpu.Cli.Commands;

/// <summary>A verb of the CLI: "VaeGpu.Cli NAME args...".</summary>
public interface ICommand
{
    /// <summary>The verb, lower case ("train").</summary>
    string Name { get; }

    /// <summary>One line for the usage text.</summary>
    string Summary { get; }

    /// <summary>The verb's switches, for "VERB --help" and for suggesting the nearest one to a typo.</summary>
    Configuration.CommandSwitches Switches { get; }

    /// <summary>Runs the verb with the arguments after its name and returns the exit code.</summary>
    /// <remarks>User mistakes are thrown as <see cref="VaeGpu.UserInputException"/>; the dispatcher prints them.</remarks>
    int Run(string[] args);
}
