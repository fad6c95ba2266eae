using VaeGpu.Cli.Commands;

CliConsole console = CliConsole.System;
return new CliApp(BuiltInCommands.Create(console), console).Run(args);
