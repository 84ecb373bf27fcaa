namespace SecureMqtt.Pki;

/// <summary>
/// How a leaf certificate is made. The defaults give a correct certificate; the other settings exist so
/// tests can produce the deliberately wrong ones (expired, not yet valid, no EKU, self-signed) through the
/// same code path as the right ones.
/// </summary>
public sealed record CertificateOptions
{
    /// <summary>Validity used when <see cref="NotAfter"/> is not set: 825 days, the longest leaf lifetime browsers accepted.</summary>
    public const int DefaultValidityDays = 825;

    /// <summary>Key pair type and size. Default: ECDSA P-256.</summary>
    public KeyAlgorithm Algorithm { get; init; } = KeyAlgorithm.EcdsaP256;

    /// <summary>Days from <see cref="NotBefore"/> to expiry, used when <see cref="NotAfter"/> is not set.</summary>
    public int ValidityDays { get; init; } = DefaultValidityDays;

    /// <summary>Start of validity. Default: five minutes ago, so a peer whose clock is slightly behind still accepts it.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>End of validity; overrides <see cref="ValidityDays"/>. A time in the past makes an expired certificate.</summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>OID of the serverAuth extended key usage.</summary>
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>OID of the clientAuth extended key usage.</summary>
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>
    /// Replaces the extended key usage the certificate kind calls for (serverAuth or clientAuth). Null (default):
    /// the right one. Empty: no EKU extension at all (which RFC 5280 reads as "any purpose"). Another list, e.g.
    /// <c>[ClientAuthOid]</c> on a server certificate, makes one that TLS peers refuse.
    /// </summary>
    public IReadOnlyList<string>? ExtendedKeyUsageOids { get; init; }

    /// <summary>Sign the certificate with its own key instead of the CA's (a self-signed leaf that no CA vouches for). Default false.</summary>
    public bool SelfSigned { get; init; }

    internal (DateTimeOffset NotBefore, DateTimeOffset NotAfter) ResolveValidity(TimeProvider time)
    {
        var notBefore = NotBefore ?? time.GetUtcNow().AddMinutes(-5);
        if (NotAfter is null && ValidityDays <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ValidityDays), ValidityDays, "Validity must be at least one day.");
        }

        var notAfter = NotAfter ?? notBefore.AddDays(ValidityDays);
        if (notAfter <= notBefore)
        {
            throw new ArgumentException($"The certificate would expire ({notAfter:u}) before it becomes valid ({notBefore:u}).");
        }

        // X.509 times have one-second resolution; trimming keeps what we report equal to what is encoded.
        return (Truncate(notBefore), Truncate(notAfter));
    }

    private static DateTimeOffset Truncate(DateTimeOffset value) =>
        new(value.Ticks - (value.Ticks % TimeSpan.TicksPerSecond), value.Offset);
}
