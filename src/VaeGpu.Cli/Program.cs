using VaeGpu.Cli;
using VaeGpu.Cli.Commands;

CliConsole console = CliConsole.Standard;
return new CliApp(BuiltInCommands.Create(console), console).Run(args);
