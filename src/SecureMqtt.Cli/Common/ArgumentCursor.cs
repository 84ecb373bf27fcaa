using System.Globalization;

namespace SecureMqtt.Cli.Common;

/// <summary>
/// Walks a mosquitto-style command line: every option is a separate token followed by its values, no bundling and
/// no <c>--name=value</c>, exactly as mosquitto_pub and mosquitto_sub read theirs.
/// </summary>
internal sealed class ArgumentCursor(IReadOnlyList<string> tokens)
{
    private int _index;

    public bool TryNext(out string option)
    {
        if (_index < tokens.Count)
        {
            option = tokens[_index++];
            return true;
        }

        option = string.Empty;
        return false;
    }

    /// <summary>The value after <paramref name="option"/>; mosquitto's wording when it is missing.</summary>
    public string Value(string option, string what)
    {
        if (_index >= tokens.Count)
        {
            throw new UsageException($"{option} argument given but no {what} specified.");
        }

        return tokens[_index++];
    }

    public int Int(string option, string what, int minimum, int maximum)
    {
        var text = Value(option, what);
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < minimum || value > maximum)
        {
            throw new UsageException($"Invalid {what} given for {option}: '{text}' (expected {minimum}..{maximum}).");
        }

        return value;
    }

    public double Seconds(string option, string what)
    {
        var text = Value(option, what);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || double.IsInfinity(value))
        {
            throw new UsageException($"Invalid {what} given for {option}: '{text}'.");
        }

        return value;
    }
}
