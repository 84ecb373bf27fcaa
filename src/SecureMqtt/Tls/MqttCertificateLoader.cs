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
    /// <summary>The CAs to trust instead of the OS store, from the file or the objects; null for the OS store.</summary>
    public static X509Certificate2Collection? LoadCa(MqttTlsOptions options) =>
        options.CaFile is { } path ? LoadCaFile(path)
        : options.CaCertificates is { } objects ? [.. objects] // a copy, so a caller changing its collection later changes no policy
        : null;

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

        if (options.ClientCertificate is { } certificate)
        {
            // Validated at connect to have its key; intermediates come from the platform's stores, offline.
            return CreateContext(certificate, [certificate], "MqttTlsOptions.ClientCertificate");
        }

        return null;
    }

    private static SslStreamCertificateContext LoadPem(string certFile, string? keyFile, string? passphrase)
    {
        var chain = new X509Certificate2Collection();
        string keyText;
        try
        {
            chain.ImportFromPemFile(certFile);
            keyText = File.ReadAllText(keyFile ?? certFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new MqttTlsException(MqttTlsFailureKind.InvalidClientCertificate,
                $"Could not read the client certificate '{certFile}'{(keyFile is null ? string.Empty : $" or key '{keyFile}'")}: {ex.Message}. Both must be readable PEM files.", ex);
        }

        if (chain.Count == 0)
        {
            throw new MqttTlsException(MqttTlsFailureKind.InvalidClientCertificate,
                $"The client certificate file '{certFile}' holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\").");
        }

        var leaf = chain[0];
        using var key = ClientKeys.Load(keyText, keyFile ?? certFile, passphrase, leaf);
        X509Certificate2 withKey;
        try
        {
            withKey = key switch
            {
                RSA rsa => leaf.CopyWithPrivateKey(rsa),
                ECDsa ec => leaf.CopyWithPrivateKey(ec),
                _ => throw new CryptographicException("unsupported key type"),
            };
        }
        catch (CryptographicException ex)
        {
            throw new MqttTlsException(MqttTlsFailureKind.InvalidClientCertificate,
                $"Could not attach the key '{keyFile ?? certFile}' to the client certificate '{certFile}': {ex.Message}.", ex);
        }

        return CreateContext(withKey, chain, certFile);
    }

    private static SslStreamCertificateContext LoadPkcs12(string path, string? password)
    {
        X509Certificate2Collection all;
        try
        {
            all = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, password);
        }
        catch (CryptographicException ex) when (File.Exists(path) && ex.Message.Contains("password", StringComparison.OrdinalIgnoreCase))
        {
            throw new MqttTlsException(MqttTlsFailureKind.WrongKeyPassphrase,
                $"The PKCS#12 file '{path}' cannot be opened with the password given{(password is null ? " (none was: set MqttTlsOptions.Pkcs12Password)" : string.Empty)}. Use the password it was exported with (MqttTlsOptions.Pkcs12Password).", ex);
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
                $"The client certificate from {(source.StartsWith("MqttTlsOptions.", StringComparison.Ordinal) ? source : $"'{source}'")} has no private key; set MqttTlsOptions.ClientKeyFile, or load the certificate together with its key.");
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
