using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Pki;

/// <summary>One entry of a certificate revocation list.</summary>
/// <param name="SerialNumber">The revoked certificate's serial number as hex, as <see cref="X509Certificate2.SerialNumber"/> gives it.</param>
/// <param name="RevokedAt">When it was revoked.</param>
/// <param name="Reason">Why, or null for "unspecified".</param>
public sealed record RevokedCertificate(string SerialNumber, DateTimeOffset RevokedAt, X509RevocationReason? Reason = null);
