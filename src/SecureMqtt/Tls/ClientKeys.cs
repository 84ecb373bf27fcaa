using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Tls;

/// <summary>
/// Loads the client's private key from PEM and proves it belongs to the certificate before any connection is made, so
/// "wrong passphrase" and "key of another certificate" are reported as such, not as an opaque handshake failure.
/// </summary>
internal static class ClientKeys
{
    public static AsymmetricAlgorithm Load(string pem, string path, string? passphrase, X509Certificate2 certificate)
    {
        var label = FindKeyLabel(pem) ?? throw new MqttTlsException(MqttTlsFailureKind.InvalidClientCertificate,
            $"'{path}' holds no PEM private key (\"-----BEGIN PRIVATE KEY-----\", \"ENCRYPTED PRIVATE KEY\", \"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\"). Set MqttTlsOptions.ClientKeyFile to the key file.");
        var encrypted = label == "ENCRYPTED PRIVATE KEY";
        if (encrypted && passphrase is null)
        {
            throw new MqttTlsException(MqttTlsFailureKind.WrongKeyPassphrase,
                $"The client key '{path}' is encrypted and no passphrase was given. Set MqttTlsOptions.ClientKeyPassphrase.");
        }

        var certificateAlgorithm = certificate.PublicKey.Oid.Value;
        var key = TryImport(certificateAlgorithm, pem, encrypted ? passphrase : null, out var error);
        if (key is null)
        {
            // A key of the other algorithm is a mismatch, not a broken file.
            var otherAlgorithm = certificateAlgorithm == PublicKeySize.RsaOid ? PublicKeySize.EcOid : PublicKeySize.RsaOid;
            using var other = TryImport(otherAlgorithm, pem, encrypted ? passphrase : null, out _);
            if (other is not null)
            {
                throw new MqttTlsException(MqttTlsFailureKind.ClientKeyMismatch,
                    $"The client key '{path}' is an {Name(otherAlgorithm)} key but the certificate '{certificate.Subject}' holds an {Name(certificateAlgorithm)} key: they do not belong together. " +
                    "Use the key file that was created with this certificate.");
            }

            if (encrypted)
            {
                throw new MqttTlsException(MqttTlsFailureKind.WrongKeyPassphrase,
                    $"The client key '{path}' could not be decrypted: MqttTlsOptions.ClientKeyPassphrase is wrong (or the file is damaged). Use the passphrase the key was written with.", error);
            }

            throw new MqttTlsException(MqttTlsFailureKind.InvalidClientCertificate,
                $"The client key '{path}' could not be read as an {Name(certificateAlgorithm)} private key: {error?.Message}. The key must be PEM (PKCS#8, PKCS#1 or SEC1).", error);
        }

        var keySpki = key switch
        {
            RSA rsa => rsa.ExportSubjectPublicKeyInfo(),
            ECDsa ec => ec.ExportSubjectPublicKeyInfo(),
            _ => [],
        };
        if (!keySpki.AsSpan().SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo()))
        {
            key.Dispose();
            throw new MqttTlsException(MqttTlsFailureKind.ClientKeyMismatch,
                $"The client key '{path}' does not belong to the certificate '{certificate.Subject}' (their public keys differ). " +
                "Use the key file that was created with this certificate, or the certificate issued for this key.");
        }

        return key;
    }

    private static AsymmetricAlgorithm? TryImport(string? algorithm, string pem, string? passphrase, out Exception? error)
    {
        AsymmetricAlgorithm key = algorithm switch
        {
            PublicKeySize.RsaOid => RSA.Create(),
            PublicKeySize.EcOid => ECDsa.Create(),
            _ => throw new MqttTlsException(MqttTlsFailureKind.InvalidClientCertificate, $"Client certificates with key algorithm {algorithm} are not supported; use RSA or EC."),
        };
        try
        {
            if (passphrase is null)
            {
                key.ImportFromPem(pem);
            }
            else
            {
                key.ImportFromEncryptedPem(pem, passphrase);
            }

            error = null;
            return key;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            key.Dispose();
            error = ex;
            return null;
        }
    }

    private static string? FindKeyLabel(string pem)
    {
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            if (label.EndsWith("PRIVATE KEY", StringComparison.Ordinal))
            {
                return label;
            }

            rest = rest[fields.Location.End..];
        }

        return null;
    }

    private static string Name(string? oid) => oid == PublicKeySize.RsaOid ? "RSA" : "EC";
}
