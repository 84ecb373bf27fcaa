using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Pki;

/// <summary>Reads certificates and private keys from PEM files, turning every failure into a <see cref="PkiException"/> that names the file.</summary>
public static class PemReader
{
    /// <summary>Reads the first certificate of a PEM (or DER) file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="PkiException">The file is missing or holds no certificate.</exception>
    public static X509Certificate2 ReadCertificate(string path) => ReadCertificates(path)[0];

    /// <summary>Reads every certificate of a PEM file (a chain or bundle), or the single certificate of a DER file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="PkiException">The file is missing or holds no certificate.</exception>
    public static X509Certificate2[] ReadCertificates(string path)
    {
        var bytes = ReadAllBytes(path, "certificate");
        var text = System.Text.Encoding.ASCII.GetString(bytes);
        var certificates = new List<X509Certificate2>();
        try
        {
            var remaining = text.AsSpan();
            while (PemEncoding.TryFind(remaining, out var fields))
            {
                if (remaining[fields.Label].SequenceEqual("CERTIFICATE"))
                {
                    var der = Convert.FromBase64String(remaining[fields.Base64Data].ToString());
                    certificates.Add(X509CertificateLoader.LoadCertificate(der));
                }

                remaining = remaining[fields.Location.End..];
            }

            if (certificates.Count == 0 && !text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(bytes));
            }
        }
        catch (CryptographicException ex)
        {
            DisposeAll(certificates);
            throw new PkiException($"{path} does not hold a readable X.509 certificate ({ex.Message.TrimEnd('.')}): pass a PEM certificate file.", ex);
        }
        catch (FormatException ex)
        {
            DisposeAll(certificates);
            throw new PkiException($"{path} holds a damaged PEM block: pass an intact PEM certificate file.", ex);
        }

        if (certificates.Count == 0)
        {
            throw new PkiException($"{path} holds no certificate (no '-----BEGIN CERTIFICATE-----' block): pass a PEM certificate file.");
        }

        return [.. certificates];
    }

    /// <summary>Whether a PEM private key file is encrypted (<c>ENCRYPTED PRIVATE KEY</c>), so a caller knows to ask for a passphrase.</summary>
    /// <param name="path">The key file.</param>
    /// <exception cref="PkiException">The file is missing or holds no private key.</exception>
    public static bool IsEncryptedPrivateKey(string path) => FindKeyLabel(path, ReadAllText(path, "private key")) == "ENCRYPTED PRIVATE KEY";

    /// <summary>Reads an ECDSA or RSA private key from a PEM file: PKCS#8 (encrypted or not), SEC1 <c>EC PRIVATE KEY</c> or PKCS#1 <c>RSA PRIVATE KEY</c>.</summary>
    /// <param name="path">The key file.</param>
    /// <param name="passphrase">Passphrase for an encrypted key; ignored otherwise.</param>
    /// <exception cref="PkiException">The file is missing, holds no key, the key is encrypted and no passphrase was given, or the passphrase is wrong.</exception>
    public static AsymmetricAlgorithm ReadPrivateKey(string path, ReadOnlySpan<char> passphrase = default)
    {
        var pem = ReadAllText(path, "private key");
        var label = FindKeyLabel(path, pem);
        if (label == "ENCRYPTED PRIVATE KEY" && passphrase.IsEmpty)
        {
            throw new PkiException($"{path} is encrypted and no passphrase was given: supply the passphrase it was written with.");
        }

        // The PEM does not say whether an encrypted PKCS#8 key is EC or RSA, so try both.
        Exception? last = null;
        foreach (var candidate in new Func<AsymmetricAlgorithm>[] { () => ECDsa.Create(), () => RSA.Create() })
        {
            var key = candidate();
            try
            {
                if (label == "ENCRYPTED PRIVATE KEY")
                {
                    key.ImportFromEncryptedPem(pem, passphrase);
                }
                else
                {
                    key.ImportFromPem(pem);
                }

                return key;
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException)
            {
                key.Dispose();
                last = ex;
            }
        }

        if (label == "ENCRYPTED PRIVATE KEY")
        {
            throw new PkiException($"Cannot decrypt {path}: the passphrase is wrong (or the file is damaged). Supply the passphrase it was written with.", last!);
        }

        throw new PkiException($"{path} holds no ECDSA or RSA private key that can be read ({last!.Message.TrimEnd('.')}).", last);
    }

    /// <summary>Attaches a private key to a certificate, checking that they belong together.</summary>
    /// <param name="certificate">The certificate.</param>
    /// <param name="key">Its private key.</param>
    /// <param name="certificatePath">Certificate file name, for the error message.</param>
    /// <param name="keyPath">Key file name, for the error message.</param>
    /// <exception cref="PkiException">The key does not belong to the certificate.</exception>
    public static X509Certificate2 Attach(X509Certificate2 certificate, AsymmetricAlgorithm key, string certificatePath, string keyPath)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        try
        {
            return KeyPairs.WithPrivateKey(certificate, key);
        }
        catch (CryptographicException ex)
        {
            throw new PkiException($"{keyPath} is not the private key of {certificatePath}: pass the key file that was created together with that certificate.", ex);
        }
        catch (ArgumentException ex)
        {
            throw new PkiException($"{keyPath} is not the private key of {certificatePath}: pass the key file that was created together with that certificate.", ex);
        }
    }

    private static string FindKeyLabel(string path, string pem)
    {
        var remaining = pem.AsSpan();
        while (PemEncoding.TryFind(remaining, out var fields))
        {
            var label = remaining[fields.Label].ToString();
            if (label is "PRIVATE KEY" or "ENCRYPTED PRIVATE KEY" or "EC PRIVATE KEY" or "RSA PRIVATE KEY")
            {
                return label;
            }

            remaining = remaining[fields.Location.End..];
        }

        throw new PkiException($"{path} holds no PEM private key (no '-----BEGIN PRIVATE KEY-----' block): pass the key file, not the certificate.");
    }

    private static void DisposeAll(List<X509Certificate2> certificates)
    {
        foreach (var certificate in certificates)
        {
            certificate.Dispose();
        }
    }

    private static byte[] ReadAllBytes(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new PkiException($"{path} not found: the {what} file is missing. Create it first or pass the right path.", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PkiException($"Cannot read the {what} file {path}: {ex.Message}", ex);
        }
    }

    private static string ReadAllText(string path, string what) => System.Text.Encoding.UTF8.GetString(ReadAllBytes(path, what));
}
