namespace SecureMqtt.Cli.Common;

/// <summary>
/// mosquitto_pub's and mosquitto_sub's defaults file, read as the 2.0 tools read it (checked against
/// mosquitto-clients 2.0.11): <c>$XDG_CONFIG_HOME/mosquitto_pub</c> when XDG_CONFIG_HOME is set (even when empty,
/// and even when that file is missing: there is no fallback), otherwise <c>$HOME/.config/mosquitto_pub</c>
/// (<c>mosquitto_sub</c> for sub). The options in it are read before the command line, which then adds to them or
/// overrides them exactly as a later option on the command line would.
/// </summary>
/// <remarks>
/// One option per line. A line whose first character is '#' is a comment ('#' later on a line is not). Leading
/// spaces are skipped; the option ends at the next space, and everything after that space, to the end of the line,
/// is its one value, spaces included ("-m hello world" sends "hello world"). Only spaces separate: a tab is part of
/// the option. Each line is parsed on its own, so an option that needs more than one value (-D) cannot be given
/// here, and an option missing its value is an error rather than taking the next line. An unreadable or missing
/// file means no defaults.
/// </remarks>
internal static class DefaultsFile
{
    /// <summary>Replaces the process environment for one async flow, so tests can point HOME and XDG_CONFIG_HOME elsewhere without racing each other.</summary>
    internal static readonly AsyncLocal<Func<string, string?>?> EnvironmentOverride = new();

    /// <summary>A line of the file: its options (one or two tokens), where it came from for error messages.</summary>
    public sealed record Line(string Path, int Number, IReadOnlyList<string> Tokens);

    /// <summary>The file mosquitto would read for <paramref name="tool"/> ("mosquitto_pub" or "mosquitto_sub"); null when neither variable is set.</summary>
    public static string? PathFor(string tool)
    {
        var environment = EnvironmentOverride.Value ?? Environment.GetEnvironmentVariable;
        if (environment("XDG_CONFIG_HOME") is { } xdg)
        {
            return $"{xdg}/{tool}";
        }

        return environment("HOME") is { } home ? $"{home}/.config/{tool}" : null;
    }

    /// <summary>
    /// Applies every line of the defaults file, then the command line, with <paramref name="parseOptions"/>, as mosquitto
    /// does: the command line comes last and wins. An error in the file names the file and the line.
    /// </summary>
    public static void Apply(IReadOnlyList<Line> defaults, IReadOnlyList<string> tokens, Action<ArgumentCursor> parseOptions)
    {
        foreach (var line in defaults)
        {
            try
            {
                parseOptions(new ArgumentCursor(line.Tokens));
            }
            catch (UsageException ex)
            {
                throw new UsageException($"{ex.Message} (in {line.Path}, line {line.Number})");
            }
        }

        parseOptions(new ArgumentCursor(tokens));
    }

    /// <summary>The option lines of <paramref name="tool"/>'s defaults file; empty when there is none.</summary>
    public static IReadOnlyList<Line> Read(string tool)
    {
        var path = PathFor(tool);
        string text;
        try
        {
            if (path is null || !File.Exists(path))
            {
                return [];
            }

            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // mosquitto opens the file with fopen and quietly goes without when that fails.
            return [];
        }

        return Parse(path, text);
    }

    public static IReadOnlyList<Line> Parse(string path, string text)
    {
        var lines = new List<Line>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r', '\n');
            if (line.StartsWith('#'))
            {
                continue;
            }

            var start = 0;
            while (start < line.Length && line[start] == ' ')
            {
                start++;
            }

            if (start == line.Length)
            {
                continue;
            }

            var space = line.IndexOf(' ', start);
            var value = space < 0 ? string.Empty : line[(space + 1)..];
            lines.Add(new Line(path, number, value.Length == 0
                ? [space < 0 ? line[start..] : line[start..space]]
                : [line[start..space], value]));
        }

        return lines;
    }
}
