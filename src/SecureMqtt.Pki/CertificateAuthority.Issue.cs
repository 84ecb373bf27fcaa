using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Pki;

public sealed partial class CertificateAuthority
{
    private static readonly Oid ServerAuth = new(CertificateOptions.ServerAuthOid, "Server Authentication");
    private static readonly Oid ClientAuth = new(CertificateOptions.ClientAuthOid, "Client Authentication");

    /// <summary>
    /// Issues a broker (TLS server) certificate: CA:false, EKU serverAuth, key usage digitalSignature
    /// (+keyEncipherment for RSA), and a subjectAltName entry for every DNS name and IP address given,
    /// because TLS clients match the host they dialled against the SANs, not the common name.
    /// </summary>
    /// <param name="commonName">Subject CN; by convention the main host name. Null: the first DNS name or IP address.</param>
    /// <param name="dnsNames">Host names clients will connect to; validated and stored in ASCII form.</param>
    /// <param name="ipAddresses">IP addresses clients will connect to.</param>
    /// <param name="options">Key type, validity, and the switches for deliberately wrong certificates.</param>
    /// <exception cref="ArgumentException">A DNS name is invalid, or there is no name at all to use as the CN.</exception>
    public IssuedCertificate IssueServerCertificate(
        string? commonName,
        IEnumerable<string> dnsNames,
        IEnumerable<IPAddress> ipAddresses,
        CertificateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dnsNames);
        ArgumentNullException.ThrowIfNull(ipAddresses);
        var dns = dnsNames.Select(HostNames.NormalizeDnsName).Distinct(StringComparer.Ordinal).ToList();
        var ips = ipAddresses.Distinct().ToList();
        commonName ??= dns.FirstOrDefault() ?? ips.FirstOrDefault()?.ToString()
            ?? throw new ArgumentException("A server certificate needs a common name, a DNS name or an IP address.", nameof(commonName));

        SubjectAlternativeNameBuilder? sans = null;
        if (dns.Count + ips.Count > 0)
        {
            sans = new SubjectAlternativeNameBuilder();
            dns.ForEach(sans.AddDnsName);
            ips.ForEach(sans.AddIpAddress);
        }

        return Issue(CommonNameSubject(commonName, nameof(commonName)), ServerAuth, sans, options ?? new CertificateOptions());
    }

    /// <summary>
    /// Issues a device (TLS client) certificate: CA:false, EKU clientAuth, key usage digitalSignature, and
    /// subject <c>CN=<paramref name="name"/></c>, which Mosquitto's <c>use_identity_as_username</c> turns into the MQTT user name.
    /// </summary>
    /// <param name="name">The device name, e.g. <c>device-42</c>.</param>
    /// <param name="options">Key type, validity, and the switches for deliberately wrong certificates.</param>
    /// <exception cref="ArgumentException">The name is empty or holds control characters.</exception>
    public IssuedCertificate IssueClientCertificate(string name, CertificateOptions? options = null) =>
        Issue(CommonNameSubject(name, nameof(name)), ClientAuth, null, options ?? new CertificateOptions());

    private IssuedCertificate Issue(X500DistinguishedName subject, Oid purpose, SubjectAlternativeNameBuilder? sans, CertificateOptions options)
    {
        var (notBefore, notAfter) = options.ResolveValidity(_time);
        if (!options.SelfSigned && options.NotAfter is null && notAfter > Certificate.NotAfter.ToUniversalTime())
        {
            throw new ArgumentException(
                $"The certificate would expire ({notAfter:yyyy-MM-dd}) after its CA ({Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}), and clients would reject it then: choose fewer validity days.");
        }

        var key = KeyPairs.Create(options.Algorithm);
        try
        {
            var request = KeyPairs.CreateRequest(subject, key, options.SelfSigned ? key : _key);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            var usage = X509KeyUsageFlags.DigitalSignature;
            if (key is RSA && purpose == ServerAuth)
            {
                // TLS 1.2 RSA key exchange encrypts the premaster secret to the server's key.
                usage |= X509KeyUsageFlags.KeyEncipherment;
            }

            request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
            var ekus = options.ExtendedKeyUsageOids?.Select(oid => new Oid(oid)).ToArray() ?? [purpose];
            if (ekus.Length > 0)
            {
                request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. ekus], false));
            }

            if (sans is not null)
            {
                request.CertificateExtensions.Add(sans.Build());
            }

            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            if (!options.SelfSigned)
            {
                request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
            }

            // The generator overload does not insist that the validity nests inside the CA's, which lets
            // tests make expired certificates; the check above keeps ordinary issuance honest.
            var issuerName = options.SelfSigned ? subject : Certificate.SubjectName;
            var generator = KeyPairs.SignatureGenerator(options.SelfSigned ? key : _key);
            using var signed = request.Create(issuerName, generator, notBefore, notAfter, KeyPairs.NewSerialNumber());
            var issuer = options.SelfSigned ? null : X509CertificateLoader.LoadCertificate(Certificate.RawData);
            return new IssuedCertificate(KeyPairs.WithPrivateKey(signed, key), key, issuer);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
