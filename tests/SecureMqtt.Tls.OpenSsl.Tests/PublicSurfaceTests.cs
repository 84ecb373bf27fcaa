namespace SecureMqtt.Tls.OpenSsl.Tests;

/// <summary>Pins the assembly's public surface: the client will build on it, so changes must be deliberate.</summary>
public class PublicSurfaceTests
{
    [Fact]
    public void Exposes_only_the_stream_its_options_and_its_failure_types()
    {
        var exported = typeof(PskTlsStream).Assembly.GetExportedTypes().Select(t => t.FullName).Order(StringComparer.Ordinal);

        Assert.Equal(
            [
                "SecureMqtt.Tls.OpenSsl.PskSessionCache",
                "SecureMqtt.Tls.OpenSsl.PskTlsClientOptions",
                "SecureMqtt.Tls.OpenSsl.PskTlsException",
                "SecureMqtt.Tls.OpenSsl.PskTlsFailure",
                "SecureMqtt.Tls.OpenSsl.PskTlsStream",
            ],
            exported);
    }

    [Fact]
    public void Declares_the_stream_members_the_client_relies_on()
    {
        var declared = typeof(PskTlsStream)
            .GetMembers(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)
            .Select(m => m.Name)
            .ToHashSet(StringComparer.Ordinal);

        Assert.Superset(
            new HashSet<string>(StringComparer.Ordinal) { "IsSupported", "ConnectAsync", "NegotiatedProtocol", "CipherSuite", "ReadAsync", "WriteAsync", "Read", "Write", "FlushAsync", "DisposeAsync" },
            declared);
    }

    [Theory]
    [InlineData(PskTlsFailure.Timeout, true)]
    [InlineData(PskTlsFailure.ConnectionClosed, true)]
    [InlineData(PskTlsFailure.KeyMismatch, false)]
    [InlineData(PskTlsFailure.UnsupportedPlatform, false)]
    public void Marks_only_timeouts_and_dropped_connections_as_transient(PskTlsFailure kind, bool transient)
    {
        Assert.Equal(transient, new PskTlsException(kind, "x").IsTransient);
    }
}
