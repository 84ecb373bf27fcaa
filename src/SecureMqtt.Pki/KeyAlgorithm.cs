namespace SecureMqtt.Pki;

/// <summary>The key pair type and size of a new certificate.</summary>
public enum KeyAlgorithm
{
    /// <summary>ECDSA on NIST P-256, signed with SHA-256: small, fast, supported by every TLS 1.2+ stack.</summary>
    EcdsaP256,

    /// <summary>ECDSA on NIST P-384, signed with SHA-384.</summary>
    EcdsaP384,

    /// <summary>RSA with a 2048-bit modulus, signed with SHA-256 (PKCS#1 v1.5).</summary>
    Rsa2048,

    /// <summary>RSA with a 3072-bit modulus, signed with SHA-256 (PKCS#1 v1.5).</summary>
    Rsa3072,

    /// <summary>RSA with a 4096-bit modulus, signed with SHA-256 (PKCS#1 v1.5).</summary>
    Rsa4096,
}
