using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Tls;

/// <summary>SPKI SHA-256 pins in the <c>sha256/&lt;base64&gt;</c> form, as smqtt certs inspect prints them.</summary>
internal static class PublicKeyPins
{
    public const string Prefix = "sha256/";

    public static string Of(X509Certificate2 certificate) =>
        Prefix + Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));

    /// <summary>Why <paramref name="pin"/> is not a well-formed pin, or null when it is.</summary>
    public static string? Problem(string? pin)
    {
        if (string.IsNullOrWhiteSpace(pin))
        {
            return "is empty";
        }

        if (!pin.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return $"'{pin}' does not start with '{Prefix}' (the form is sha256/<base64 of the SHA-256 of the SubjectPublicKeyInfo>, as 'smqtt certs inspect' prints it)";
        }

        Span<byte> hash = stackalloc byte[48];
        if (!Convert.TryFromBase64String(pin[Prefix.Length..], hash, out var length) || length != 32)
        {
            return $"'{pin}' does not carry 32 bytes of base64 after '{Prefix}' (a SHA-256 hash is 44 base64 characters ending in '=')";
        }

        return null;
    }
}
