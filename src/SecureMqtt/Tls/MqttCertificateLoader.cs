using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Tls;

/// <summary>
/// Loads the CA bundle and the client certificate named in <see cref="MqttTlsOptions"/>. Failures become
/// <see cref="MqttTlsException"/> that name the file and the likely fix; passphrases never appear in messages.
/// </summary>
internal static class MqttCertificateLoader
{
    public static X509Certificate2Collection LoadCaFile(string path)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new MqttTlsException(MqttTlsFailureKind.InvalidCaFile,
                $"Could not read the CA file '{path}': {ex.Message}. Set MqttTlsOptions.CaFile to a readable PEM file with the CA certificate(s).", ex);
        }

        if (certificates.Count == 0)
        {
            throw new MqttTlsException(MqttTlsFailureKind.InvalidCaFile,
                $"The CA file '{path}' holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\"). Set MqttTlsOptions.CaFile to the PEM file of the CA that issued the broker's certificate.");
        }

        return certificates;
    }

    /// <summary>Loads the client certificate with its private key and intermediates; null when none is configured.</summary>
    public static SslStreamCertificateContext? LoadClientCertificate(MqttTlsOptions options)
    {
        if (options.Pkcs12File is { } p12)
        {
            return LoadPkcs12(p12, options.Pkcs12Password);
        }

        if (options.ClientCertificateFile is { } certFile)
        {
            return LoadPem(certFile, options.ClientKeyFile, options.ClientKeyPassphrase);
        }

        return null;
    }

    private static SslStreamCertificateContext LoadPem(string certFile, string? keyFile, string? passphrase)
    {
        X509Certificate2 leaf;
        var chain = new X509Certificate2Collection();
        try
        {
            // CreateFromPemFile understands PKCS#8, PKCS#1 ("RSA PRIVATE KEY") and SEC1 ("EC PRIVATE KEY");
            // the encrypted variant understands PKCS#8 "ENCRYPTED PRIVATE KEY".
            leaf = passphrase is null
                ? X509Certificate2.CreateFromPemFile(certFile, keyFile)
                : X509Certificate2.CreateFromEncryptedPemFile(certFile, passphrase, keyFile);
            chain.ImportFromPemFile(certFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            var key = keyFile is null ? string.Empty : $" and key '{keyFile}'";
            var hint = passphrase is null
                ? " If the key is encrypted (\"BEGIN ENCRYPTED PRIVATE KEY\"), set MqttTlsOptions.ClientKeyPassphrase."
                : " Check MqttTlsOptions.ClientKeyPassphrase.";
            throw new MqttTlsException(MqttTlsFailureKind.InvalidClientCertificate,
                $"Could not load the client certificate '{certFile}'{key}: {ex.Message}. The files must be PEM, the key must belong to the certificate (RSA or EC).{hint}", ex);
        }

        return CreateContext(leaf, chain, certFile);
    }

    private static SslStreamCertificateContext LoadPkcs12(string path, string? password)
    {
        X509Certificate2Collection all;
        try
        {
            all = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, password);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new MqttTlsException(MqttTlsFailureKind.InvalidClientCertificate,
                $"Could not load the PKCS#12 file '{path}': {ex.Message}. Check the file and MqttTlsOptions.Pkcs12Password.", ex);
        }

        var leaf = all.FirstOrDefault(c => c.HasPrivateKey) ?? throw new MqttTlsException(MqttTlsFailureKind.InvalidClientCertificate,
            $"The PKCS#12 file '{path}' holds no certificate with a private key; export it together with its key.");
        return CreateContext(leaf, all, path);
    }

    private static SslStreamCertificateContext CreateContext(X509Certificate2 leaf, X509Certificate2Collection all, string source)
    {
        if (!leaf.HasPrivateKey)
        {
            throw new MqttTlsException(MqttTlsFailureKind.InvalidClientCertificate,
                $"The client certificate from '{source}' has no private key; set MqttTlsOptions.ClientKeyFile.");
        }

        var intermediates = new X509Certificate2Collection();
        foreach (var c in all)
        {
            if (!c.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
            {
                intermediates.Add(c);
            }
        }

        // offline: the client does not fetch missing intermediates from the network while connecting.
        return SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
    }
}
