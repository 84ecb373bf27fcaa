using System.Globalization;
using System.Net;

namespace SecureMqtt.Pki;

/// <summary>Checks the names that go into certificates before they are signed, so a typo fails loudly instead of producing a certificate no client accepts.</summary>
public static class HostNames
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    /// <summary>
    /// Returns the DNS name in the ASCII (punycode) form that goes into a subjectAltName, or throws
    /// <see cref="ArgumentException"/> saying why it is not a valid host name. A single leading <c>*.</c> wildcard label is allowed.
    /// </summary>
    /// <param name="name">A host name such as <c>broker.example</c>.</param>
    public static string NormalizeDnsName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var trimmed = name.Trim().TrimEnd('.');
        if (trimmed.Length == 0)
        {
            throw new ArgumentException("A DNS name must not be empty.", nameof(name));
        }

        if (IPAddress.TryParse(trimmed, out _))
        {
            throw new ArgumentException($"'{name}' is an IP address, not a DNS name: pass it as an IP address instead.", nameof(name));
        }

        var wildcard = trimmed.StartsWith("*.", StringComparison.Ordinal);
        var rest = wildcard ? trimmed[2..] : trimmed;
        string ascii;
        try
        {
            ascii = Idn.GetAscii(rest);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"'{name}' is not a valid DNS name: use letters, digits, '-' and '.' only (e.g. broker.example).", nameof(name));
        }

        if (ascii.Length > 253 || ascii.Split('.').Any(label => label.Length is 0 or > 63))
        {
            throw new ArgumentException($"'{name}' is not a valid DNS name: labels are 1 to 63 characters, the whole name at most 253.", nameof(name));
        }

        return (wildcard ? "*." + ascii : ascii).ToLowerInvariant();
    }

    /// <summary>Parses an IPv4 or IPv6 address, or throws <see cref="ArgumentException"/> saying it is not one.</summary>
    /// <param name="text">An address such as <c>127.0.0.1</c> or <c>::1</c>.</param>
    public static IPAddress ParseIpAddress(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim().Trim('[', ']');

        // IPAddress.TryParse also takes legacy forms such as "10" (0.0.0.10) that nobody means in a certificate.
        var plausible = trimmed.Contains(':', StringComparison.Ordinal) || trimmed.Split('.').Length == 4;
        if (!plausible || !IPAddress.TryParse(trimmed, out var address))
        {
            throw new ArgumentException($"'{text}' is not a valid IP address (expected e.g. 192.168.1.10 or ::1).", nameof(text));
        }

        return address;
    }
}
