using System.Net.Security;
using System.Security.Authentication;
using SecureMqtt.Tls;

namespace SecureMqtt.Tests;

public class PskCipherSuiteTests
{
    [Theory]
    [InlineData("PSK-AES128-GCM-SHA256", TlsCipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256)]
    [InlineData("ECDHE-PSK-CHACHA20-POLY1305", TlsCipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256)]
    [InlineData("DHE-PSK-AES256-GCM-SHA384", TlsCipherSuite.TLS_DHE_PSK_WITH_AES_256_GCM_SHA384)]
    [InlineData("TLS_AES_256_GCM_SHA384", TlsCipherSuite.TLS_AES_256_GCM_SHA384)]
    public void OpenSSL_suite_names_map_to_their_IANA_suites(string openSsl, TlsCipherSuite expected)
    {
        Assert.Equal(expected, PskCipherSuites.FromOpenSslName(openSsl));
    }

    [Fact]
    public void A_PSK_connection_reports_version_suite_and_identity_and_no_certificate()
    {
        var info = MqttTlsInfo.ForPreSharedKey("TLSv1.2", "ECDHE-PSK-AES128-CBC-SHA256", "broker", "device-1", MqttPskImplementation.OpenSsl);

        Assert.Equal(SslProtocols.Tls12, info.Protocol);
        Assert.Equal(TlsCipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256, info.CipherSuite);
        Assert.Equal("TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256", info.CipherSuiteName);
        Assert.Equal("device-1", info.PreSharedKeyIdentity);
        Assert.Null(info.ServerCertificate);
        Assert.False(info.ServerCertificateVerified);
    }

    [Fact]
    public void A_suite_unknown_to_dotnet_keeps_OpenSSLs_name()
    {
        var info = MqttTlsInfo.ForPreSharedKey("TLSv1.2", "SOME-FUTURE-PSK-SUITE", "broker", "device-1", MqttPskImplementation.OpenSsl);

        Assert.Equal("SOME-FUTURE-PSK-SUITE", info.CipherSuiteName);
        Assert.Equal(default, info.CipherSuite);
    }
}
