using System.Net.Sockets;
using System.Security.Cryptography;
using SecureMqtt.Authentication;
using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.Tests.Authentication;

/// <summary>
/// The SCRAM test broker driven by hand (raw socket, the packet codec, the authenticator), so the AUTH exchange is
/// known to work end to end before the client is wired to it.
/// </summary>
public class ScramAuthBrokerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(MqttScramAlgorithm.Sha256)]
    [InlineData(MqttScramAlgorithm.Sha512)]
    public async Task Authenticates_in_CONNECT_then_serves_ping_publish_and_re_authentication(MqttScramAlgorithm algorithm)
    {
        await using var broker = new ScramAuthBroker(algorithm == MqttScramAlgorithm.Sha256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA512, "alice", "s3cret");
        using var authenticator = new MqttScramAuthenticator(algorithm, "alice", "s3cret");
        await using var wire = await ConnectAsync(broker);

        var connAck = await AuthenticateInConnectAsync(wire, authenticator);
        Assert.Equal(MqttReasonCode.Success, connAck.ReasonCode);
        Assert.Equal(authenticator.Method, connAck.AuthenticationMethod);

        await wire.SendAsync(MqttPingReqPacket.Instance);
        Assert.IsType<MqttPingRespPacket>(await wire.ReadAsync(Timeout));

        await wire.SendAsync(new MqttPublishPacket { Topic = "a/b", Payload = "hi"u8.ToArray() });
        using var wait = new CancellationTokenSource(Timeout);
        Assert.Equal("a/b", (await broker.Publishes.ReadAsync(wait.Token)).Topic);

        using (var again = authenticator.CreateExchange())
        {
            await wire.SendAsync(new MqttAuthPacket { ReasonCode = MqttReasonCode.ReAuthenticate, AuthenticationMethod = authenticator.Method, AuthenticationData = await again.GetInitialDataAsync() });
            var challenge = Assert.IsType<MqttAuthPacket>(await wire.ReadAsync(Timeout));
            Assert.Equal(MqttReasonCode.ContinueAuthentication, challenge.ReasonCode);
            var step = await again.ContinueAsync(challenge.AuthenticationData);
            await wire.SendAsync(new MqttAuthPacket { ReasonCode = MqttReasonCode.ContinueAuthentication, AuthenticationMethod = authenticator.Method, AuthenticationData = step.Data });
            var success = Assert.IsType<MqttAuthPacket>(await wire.ReadAsync(Timeout));
            Assert.Equal(MqttReasonCode.Success, success.ReasonCode);
            Assert.Equal(authenticator.Method, success.AuthenticationMethod);
            await again.CompleteAsync(success.AuthenticationData);
        }

        await wire.SendAsync(new MqttDisconnectPacket());
        Assert.Null(await wire.ReadAsync(Timeout));
        Assert.Equal(2, broker.Authentications);
        Assert.Equal(0, broker.Refusals);
    }

    [Fact]
    public async Task Refuses_a_wrong_password_with_not_authorized()
    {
        await using var broker = new ScramAuthBroker(HashAlgorithmName.SHA256, "alice", "s3cret");
        using var authenticator = MqttScramAuthenticator.Sha256("alice", "guess");
        await using var wire = await ConnectAsync(broker);

        var connAck = await AuthenticateInConnectAsync(wire, authenticator, complete: false);

        Assert.Equal(MqttReasonCode.NotAuthorized, connAck.ReasonCode);
        Assert.Contains("invalid-proof", connAck.ReasonString, StringComparison.Ordinal);
        Assert.Null(await wire.ReadAsync(Timeout));
        Assert.Equal(1, broker.Refusals);
    }

    [Fact]
    public async Task Refuses_an_unknown_user_before_the_challenge()
    {
        await using var broker = new ScramAuthBroker(HashAlgorithmName.SHA256, "alice", "s3cret");
        using var authenticator = MqttScramAuthenticator.Sha256("mallory", "s3cret");
        using var exchange = authenticator.CreateExchange();
        await using var wire = await ConnectAsync(broker);

        await wire.SendAsync(Connect(authenticator.Method, await exchange.GetInitialDataAsync()));
        var connAck = Assert.IsType<MqttConnAckPacket>(await wire.ReadAsync(Timeout));

        Assert.Equal(MqttReasonCode.NotAuthorized, connAck.ReasonCode);
        Assert.Contains("unknown-user", connAck.ReasonString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_another_method_with_bad_authentication_method()
    {
        await using var broker = new ScramAuthBroker(HashAlgorithmName.SHA512, "alice", "s3cret");
        using var authenticator = MqttScramAuthenticator.Sha256("alice", "s3cret");
        using var exchange = authenticator.CreateExchange();
        await using var wire = await ConnectAsync(broker);

        await wire.SendAsync(Connect(authenticator.Method, await exchange.GetInitialDataAsync()));
        var connAck = Assert.IsType<MqttConnAckPacket>(await wire.ReadAsync(Timeout));

        Assert.Equal(MqttReasonCode.BadAuthenticationMethod, connAck.ReasonCode);
        Assert.Null(await wire.ReadAsync(Timeout));
    }

    [Fact]
    public async Task An_impostor_broker_is_caught_by_the_server_signature_check()
    {
        await using var broker = new ScramAuthBroker(HashAlgorithmName.SHA256, "alice", "s3cret") { CorruptServerSignature = true };
        using var authenticator = MqttScramAuthenticator.Sha256("alice", "s3cret");
        await using var wire = await ConnectAsync(broker);

        var ex = await Assert.ThrowsAsync<MqttAuthenticationException>(() => AuthenticateInConnectAsync(wire, authenticator));

        Assert.Contains("signature is wrong", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<MqttPacketStream> ConnectAsync(ScramAuthBroker broker)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", broker.Port).WaitAsync(Timeout);
        return new MqttPacketStream(tcp.GetStream());
    }

    private static MqttConnectPacket Connect(string method, ReadOnlyMemory<byte>? data)
        => new() { ClientId = "auth-test", CleanStart = true, AuthenticationMethod = method, AuthenticationData = data };

    /// <summary>CONNECT with client-first, AUTH with client-final, then the CONNACK (checked by the exchange when <paramref name="complete"/>).</summary>
    private static async Task<MqttConnAckPacket> AuthenticateInConnectAsync(MqttPacketStream wire, IMqttAuthenticator authenticator, bool complete = true)
    {
        using var exchange = authenticator.CreateExchange();
        await wire.SendAsync(Connect(authenticator.Method, await exchange.GetInitialDataAsync()));
        var challenge = Assert.IsType<MqttAuthPacket>(await wire.ReadAsync(Timeout));
        Assert.Equal(MqttReasonCode.ContinueAuthentication, challenge.ReasonCode);
        Assert.Equal(authenticator.Method, challenge.AuthenticationMethod);
        var step = await exchange.ContinueAsync(challenge.AuthenticationData);
        await wire.SendAsync(new MqttAuthPacket { ReasonCode = MqttReasonCode.ContinueAuthentication, AuthenticationMethod = authenticator.Method, AuthenticationData = step.Data });
        var connAck = Assert.IsType<MqttConnAckPacket>(await wire.ReadAsync(Timeout));
        if (complete)
        {
            await exchange.CompleteAsync(connAck.AuthenticationData);
        }

        return connAck;
    }
}
