using Spectre.Console;

namespace VaeGpu.Cli;

/// <summary>
/// Where commands write. Tables and colour only go to a terminal; redirected output gets plain lines
/// that scripts can parse, free of escape codes and box drawing.
/// </summary>
public sealed class CliConsole(TextWriter output, TextWriter error, bool isTerminal, int width = int.MaxValue)
{
    public static CliConsole Standard { get; } = new(Console.Out, Console.Error, !Console.IsOutputRedirected, TerminalWidth());

    /// <summary>Columns of the terminal (int.MaxValue when not a terminal): a line longer than this wraps and, under a live progress display, leaves pieces of it in the scrollback.</summary>
    public int Width { get; } = width;

    private static int TerminalWidth()
    {
        if (Console.IsOutputRedirected) return int.MaxValue;
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException)
        {
            return 80;
        }
    }

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public bool IsTerminal { get; } = isTerminal;

    /// <summary>A Spectre.Console writer over <see cref="Out"/>, for terminal output.</summary>
    public IAnsiConsole Rich => field ??= AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Out),
        Ansi = IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
    });
}
