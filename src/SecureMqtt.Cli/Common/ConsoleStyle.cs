using Spectre.Console;
using Spectre.Console.Rendering;

namespace SecureMqtt.Cli.Common;

/// <summary>
/// How doctor, certs inspect and demo draw their reports. On a terminal: colour (unless NO_COLOR is set, as
/// no-color.org asks), Unicode tree guides and lines wrapped at the window's width. Redirected to a file or a pipe: no
/// escape sequence at all, ASCII guides and no wrapping, so grep, diff and sed see one plain line per fact.
/// </summary>
internal sealed record ConsoleStyle(bool Colour, bool Unicode, int Width)
{
    /// <summary>Wide enough that no report line wraps; a wrapped line would split what a grep looks for.</summary>
    private const int UnwrappedWidth = 4096;

    /// <summary>What a file, a pipe or a test's stream gets.</summary>
    public static ConsoleStyle Plain { get; } = new(Colour: false, Unicode: false, UnwrappedWidth);

    /// <summary>The style for a writer: terminal rendering only when it is the console's stdout and that is a terminal.</summary>
    public static ConsoleStyle ForOutput(TextWriter output) =>
        ForTerminal(ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected, Environment.GetEnvironmentVariable("NO_COLOR"),
            unicode: Console.OutputEncoding.CodePage == 65001);

    /// <summary>
    /// Colour needs a terminal and no NO_COLOR (a non-empty value, per no-color.org); a terminal keeps its guides and
    /// wrapping without colour. Line-drawing guides only where the console encodes UTF-8 (an ASCII locale gets ASCII).
    /// </summary>
    public static ConsoleStyle ForTerminal(bool isTerminal, string? noColor, bool unicode = true)
    {
        if (!isTerminal)
        {
            return Plain;
        }

        return new ConsoleStyle(Colour: string.IsNullOrEmpty(noColor), unicode, TerminalWidth());
    }

    /// <summary>
    /// The same style without wrapping: for values that are copied whole (fingerprints, pins), which the terminal then
    /// folds softly instead of a line break being inserted into them.
    /// </summary>
    public ConsoleStyle Unwrapped() => this with { Width = UnwrappedWidth };

    public TreeGuide Guide => Unicode ? TreeGuide.Line : TreeGuide.Ascii;

    /// <summary>Draws <paramref name="renderables"/> to text with '\n' line ends and no trailing blanks (grid cells pad).</summary>
    public string Render(params IRenderable[] renderables)
    {
        using var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = Colour ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = Colour ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(text),
            // Nothing from the environment (CI detectors, TERM) may change what was decided above.
            Enrichment = new ProfileEnrichment { UseDefaultEnrichers = false },
            EnvironmentVariables = new Dictionary<string, string>(StringComparer.Ordinal),
        });
        console.Profile.Width = Width;
        console.Profile.Capabilities.Unicode = Unicode;
        foreach (var renderable in renderables)
        {
            console.Write(renderable);
        }

        var lines = text.ToString().ReplaceLineEndings("\n").Split('\n');
        return string.Join('\n', lines.Select(l => l.TrimEnd(' ')));
    }

    /// <summary>A colour only when colour is on, so plain output carries no attributes at all.</summary>
    public Style Paint(Color colour, Decoration decoration = Decoration.None) => Colour ? new Style(colour, decoration: decoration) : Style.Plain;

    public Style Bold => Colour ? new Style(decoration: Decoration.Bold) : Style.Plain;

    public Style Dim => Colour ? new Style(Color.Grey) : Style.Plain;

    private static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth is > 20 and var width ? width : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }
}
