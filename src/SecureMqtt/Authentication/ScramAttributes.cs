using System.Text;

namespace SecureMqtt.Authentication;

/// <summary>
/// A SCRAM message from the server split into its attributes (RFC 5802 section 5: "a=value" pairs separated by
/// ','; values never contain ','). Positions matter: the grammar fixes the order of the mandatory attributes.
/// </summary>
internal readonly struct ScramAttributes
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly (char Name, string Value)[] _attributes;
    private readonly string _method;
    private readonly string _message;

    private ScramAttributes((char Name, string Value)[] attributes, string method, string message)
    {
        _attributes = attributes;
        _method = method;
        _message = message;
    }

    public char FirstName => _attributes[0].Name;

    public static ScramAttributes Parse(ReadOnlySpan<byte> data, string method, string message)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(data);
        }
        catch (DecoderFallbackException ex)
        {
            throw Failure(method, $"the {message} message is not valid UTF-8", ex);
        }

        var parts = text.Split(',');
        var attributes = new (char, string)[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.Length < 2 || part[1] != '=' || !char.IsAsciiLetter(part[0]))
            {
                throw Failure(method, $"the {message} message is malformed: attribute {i + 1} is not of the form a=value");
            }

            attributes[i] = (part[0], part[2..]);
        }

        return new ScramAttributes(attributes, method, message);
    }

    public static MqttAuthenticationException Failure(string method, string reason, Exception? inner = null)
        => new($"{method} authentication failed: {reason}.", method, null, inner);

    public bool TryGet(char name, int position, out string value)
    {
        if (position < _attributes.Length && _attributes[position].Name == name)
        {
            value = _attributes[position].Value;
            return true;
        }

        value = string.Empty;
        return false;
    }

    public string Require(char name, int position, string what)
        => TryGet(name, position, out var value)
            ? value
            : throw Failure(_method, $"the {_message} message has no {name}= ({what}) where RFC 5802 puts it");

    public byte[] DecodeBase64(string value, string what)
    {
        // Convert would skip whitespace; RFC 5802's base64 has none, so anything outside the alphabet is an error.
        var valid = value.Length % 4 == 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=');
        var bytes = new byte[value.Length / 4 * 3];
        if (!valid || !Convert.TryFromBase64String(value, bytes, out var written))
        {
            throw Failure(_method, $"the {what} in the {_message} message is not valid base64");
        }

        return bytes[..written];
    }
}
