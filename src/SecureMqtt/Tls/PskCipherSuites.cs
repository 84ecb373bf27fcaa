using System.Net.Security;

namespace SecureMqtt.Tls;

/// <summary>
/// OpenSSL names the TLS 1.2 PSK suites its own way ("ECDHE-PSK-AES128-CBC-SHA256"); .NET's
/// <see cref="TlsCipherSuite"/> uses the IANA names (RFC 4279, 5487, 5489, 7905). TLS 1.3 suite names are the same in both.
/// </summary>
internal static class PskCipherSuites
{
    private static readonly Dictionary<string, TlsCipherSuite> OpenSslToIana = new(StringComparer.Ordinal)
    {
        ["PSK-AES128-CBC-SHA"] = TlsCipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA,
        ["PSK-AES256-CBC-SHA"] = TlsCipherSuite.TLS_PSK_WITH_AES_256_CBC_SHA,
        ["PSK-AES128-CBC-SHA256"] = TlsCipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256,
        ["PSK-AES256-CBC-SHA384"] = TlsCipherSuite.TLS_PSK_WITH_AES_256_CBC_SHA384,
        ["PSK-AES128-GCM-SHA256"] = TlsCipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256,
        ["PSK-AES256-GCM-SHA384"] = TlsCipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384,
        ["PSK-CHACHA20-POLY1305"] = TlsCipherSuite.TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
        ["PSK-AES128-CCM"] = TlsCipherSuite.TLS_PSK_WITH_AES_128_CCM,
        ["PSK-AES256-CCM"] = TlsCipherSuite.TLS_PSK_WITH_AES_256_CCM,
        ["ECDHE-PSK-AES128-CBC-SHA"] = TlsCipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA,
        ["ECDHE-PSK-AES256-CBC-SHA"] = TlsCipherSuite.TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA,
        ["ECDHE-PSK-AES128-CBC-SHA256"] = TlsCipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
        ["ECDHE-PSK-AES256-CBC-SHA384"] = TlsCipherSuite.TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384,
        ["ECDHE-PSK-CHACHA20-POLY1305"] = TlsCipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
        ["DHE-PSK-AES128-CBC-SHA"] = TlsCipherSuite.TLS_DHE_PSK_WITH_AES_128_CBC_SHA,
        ["DHE-PSK-AES256-CBC-SHA"] = TlsCipherSuite.TLS_DHE_PSK_WITH_AES_256_CBC_SHA,
        ["DHE-PSK-AES128-CBC-SHA256"] = TlsCipherSuite.TLS_DHE_PSK_WITH_AES_128_CBC_SHA256,
        ["DHE-PSK-AES256-CBC-SHA384"] = TlsCipherSuite.TLS_DHE_PSK_WITH_AES_256_CBC_SHA384,
        ["DHE-PSK-AES128-GCM-SHA256"] = TlsCipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256,
        ["DHE-PSK-AES256-GCM-SHA384"] = TlsCipherSuite.TLS_DHE_PSK_WITH_AES_256_GCM_SHA384,
        ["DHE-PSK-CHACHA20-POLY1305"] = TlsCipherSuite.TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
    };

    /// <summary>The IANA suite for OpenSSL's name, or null when .NET has no value for it.</summary>
    public static TlsCipherSuite? FromOpenSslName(string name) =>
        OpenSslToIana.TryGetValue(name, out var suite) ? suite
        : name.StartsWith("TLS_", StringComparison.Ordinal) && Enum.TryParse<TlsCipherSuite>(name, out var tls13) ? tls13
        : null;
}
