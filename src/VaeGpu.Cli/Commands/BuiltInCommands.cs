namespace VaeGpu.Cli.Commands;

/// <summary>The verbs this build ships: one line per verb.</summary>
public static class BuiltInCommands
{
    public static CommandRegistry Create(CliConsole console) => new CommandRegistry()
        .Add(new TrainCommand(console))
        .Add(new EvalCommand(console))
        .Add(new SampleCommand(console))
        .Add(new ReconstructCommand(console))
        .Add(new InterpolateCommand(console))
        .Add(new LatentsCommand(console))
        .Add(new ScoreCommand(console))
        .Add(new DevicesCommand(console))
        .Add(new BenchCommand(console));
}
