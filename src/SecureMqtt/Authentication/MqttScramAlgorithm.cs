namespace SecureMqtt.Authentication;

/// <summary>The hash function of a SCRAM mechanism (RFC 5802 with the hash of RFC 7677 or its SHA-512 sibling).</summary>
public enum MqttScramAlgorithm
{
    /// <summary>SCRAM-SHA-256 (RFC 7677): HMAC-SHA-256 and PBKDF2 with HMAC-SHA-256.</summary>
    Sha256,

    /// <summary>SCRAM-SHA-512: HMAC-SHA-512 and PBKDF2 with HMAC-SHA-512.</summary>
    Sha512,
}
