using Spectre.Console;
using VaeGpu.Cli.Devices;
using VaeGpu.Configuration;

namespace VaeGpu.Cli.Commands;

/// <summary>"devices": lists the compute devices and whether --device can use them.</summary>
public sealed class DevicesCommand(CliConsole console) : ICommand
{
    public string Name => "devices";

    public string Summary => "List the CPU and GPU runtimes found on this machine and which --device values work.";

    public Configuration.CommandSwitches Switches => Configuration.CommandSwitches.Devices;

    public int Run(string[] args)
    {
        if (args.Length > 0)
            throw new UserInputException($"devices takes no arguments (got '{args[0]}')");
        IReadOnlyList<DeviceStatus> devices = DeviceProbe.Probe();
        if (console.IsTerminal)
            WriteTable(devices);
        else
            WriteLines(devices);
        return CliApp.Success;
    }

    private void WriteTable(IReadOnlyList<DeviceStatus> devices)
    {
        var table = new Table().AddColumn("Device").AddColumn("Usable").AddColumn("Details");
        foreach (DeviceStatus device in devices)
        {
            // Text, not markup: details carry library names and brackets that markup would parse.
            table.AddRow(
                new Text(device.Name),
                new Text(device.Usable ? "yes" : "no", new Style(device.Usable ? Color.Green : Color.Grey)),
                new Text(device.Details));
        }
        console.Rich.Write(table);
    }

    private void WriteLines(IReadOnlyList<DeviceStatus> devices)
    {
        foreach (DeviceStatus device in devices)
            console.Out.WriteLine($"{device.Name}: {(device.Usable ? "usable" : "not usable")}: {device.Details}");
    }
}
