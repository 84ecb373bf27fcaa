using System.Security.Cryptography;
using SecureMqtt.Authentication;
using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.Tests.Authentication;

/// <summary>The client's enhanced authentication (MQTT 5.0 section 4.12) against the SCRAM test peer.</summary>
public class ClientAuthenticationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(MqttScramAlgorithm.Sha256)]
    [InlineData(MqttScramAlgorithm.Sha512)]
    public async Task Connects_through_the_SCRAM_exchange_and_then_publishes(MqttScramAlgorithm algorithm)
    {
        await using var broker = new ScramAuthBroker(algorithm == MqttScramAlgorithm.Sha256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA512, "alice", "s3cret");
        using var authenticator = new MqttScramAuthenticator(algorithm, "alice", "s3cret");
        await using var client = new MqttClient(Options(broker, authenticator));

        var result = await client.ConnectAsync().WaitAsync(Timeout);
        await client.PublishAsync("a/b", "hi"u8.ToArray()).AsTask().WaitAsync(Timeout);

        Assert.Equal(MqttReasonCode.Success, result.ReasonCode);
        using var wait = new CancellationTokenSource(Timeout);
        Assert.Equal("a/b", (await broker.Publishes.ReadAsync(wait.Token)).Topic);
        Assert.Equal(1, broker.Authentications);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_not_authorized()
    {
        await using var broker = new ScramAuthBroker(HashAlgorithmName.SHA256, "alice", "s3cret");
        using var authenticator = MqttScramAuthenticator.Sha256("alice", "guess");
        await using var client = new MqttClient(Options(broker, authenticator));

        var refused = await Assert.ThrowsAsync<MqttConnectionRefusedException>(() => client.ConnectAsync().WaitAsync(Timeout));

        Assert.Equal(MqttReasonCode.NotAuthorized, refused.ReasonCode);
        Assert.False(refused.IsTransient);
        Assert.False(client.IsConnected);
        Assert.Equal(1, broker.Refusals);
    }

    [Fact]
    public async Task A_method_the_broker_does_not_offer_is_refused_with_bad_authentication_method()
    {
        await using var broker = new ScramAuthBroker(HashAlgorithmName.SHA512, "alice", "s3cret");
        using var authenticator = MqttScramAuthenticator.Sha256("alice", "s3cret");
        await using var client = new MqttClient(Options(broker, authenticator));

        var refused = await Assert.ThrowsAsync<MqttConnectionRefusedException>(() => client.ConnectAsync().WaitAsync(Timeout));

        Assert.Equal(MqttReasonCode.BadAuthenticationMethod, refused.ReasonCode);
    }

    [Fact]
    public async Task An_impostor_server_signature_fails_the_connect_and_closes_the_connection()
    {
        await using var broker = new ScramAuthBroker(HashAlgorithmName.SHA256, "alice", "s3cret") { CorruptServerSignature = true };
        using var authenticator = MqttScramAuthenticator.Sha256("alice", "s3cret");
        await using var client = new MqttClient(Options(broker, authenticator));

        var failure = await Assert.ThrowsAsync<MqttAuthenticationException>(() => client.ConnectAsync().WaitAsync(Timeout));

        // The broker accepted the client's proof; the client refused the broker's, so it never became connected.
        Assert.Equal(1, broker.Authentications);
        Assert.Contains("signature", failure.Message, StringComparison.Ordinal);
        Assert.False(client.IsConnected);
        Assert.Equal(MqttClientState.Disconnected, client.State);
    }

    [Fact]
    public async Task Re_authentication_runs_a_second_exchange_while_connected()
    {
        await using var broker = new ScramAuthBroker(HashAlgorithmName.SHA256, "alice", "s3cret");
        using var authenticator = MqttScramAuthenticator.Sha256("alice", "s3cret");
        await using var client = new MqttClient(Options(broker, authenticator));
        await client.ConnectAsync().WaitAsync(Timeout);

        await client.ReauthenticateAsync().WaitAsync(Timeout);
        await client.PublishAsync("after", "x"u8.ToArray()).AsTask().WaitAsync(Timeout);

        Assert.Equal(2, broker.Authentications);
        Assert.True(client.IsConnected);
        using var wait = new CancellationTokenSource(Timeout);
        Assert.Equal("after", (await broker.Publishes.ReadAsync(wait.Token)).Topic);
    }

    [Fact]
    public async Task A_re_authentication_the_broker_refuses_fails_with_its_reason_and_ends_the_connection()
    {
        await using var broker = new ScramAuthBroker(HashAlgorithmName.SHA256, "alice", "s3cret");
        using var authenticator = MqttScramAuthenticator.Sha256("alice", "s3cret");
        await using var client = new MqttClient(Options(broker, authenticator));
        await client.ConnectAsync().WaitAsync(Timeout);
        var lost = new TaskCompletionSource<MqttConnectionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionLost += (_, e) => lost.TrySetResult(e);
        broker.Password = "changed";

        var failure = await Assert.ThrowsAsync<MqttAuthenticationException>(() => client.ReauthenticateAsync().WaitAsync(Timeout));

        Assert.Equal(MqttReasonCode.NotAuthorized, failure.ReasonCode);
        Assert.Equal("SCRAM-SHA-256", failure.Method);
        Assert.Equal(MqttReasonCode.NotAuthorized, (await lost.Task.WaitAsync(Timeout)).DisconnectReasonCode);
        Assert.False(client.IsConnected);
        Assert.Equal(1, broker.Refusals);
    }

    [Fact]
    public async Task A_re_authentication_whose_server_signature_is_wrong_ends_the_connection_with_not_authorized()
    {
        await using var broker = new ScramAuthBroker(HashAlgorithmName.SHA256, "alice", "s3cret");
        using var authenticator = MqttScramAuthenticator.Sha256("alice", "s3cret");
        await using var client = new MqttClient(Options(broker, authenticator));
        await client.ConnectAsync().WaitAsync(Timeout);
        var lost = new TaskCompletionSource<MqttConnectionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionLost += (_, e) => lost.TrySetResult(e);
        broker.CorruptServerSignature = true;

        var failure = await Assert.ThrowsAsync<MqttAuthenticationException>(() => client.ReauthenticateAsync().WaitAsync(Timeout));

        Assert.Null(failure.ReasonCode);
        Assert.Same(failure, (await lost.Task.WaitAsync(Timeout)).Exception);
        Assert.False(client.IsConnected);
        Assert.Equal(MqttClientState.Disconnected, client.State);
    }

    [Fact]
    public async Task A_reconnect_runs_the_whole_exchange_again()
    {
        await using var broker = new ScramAuthBroker(HashAlgorithmName.SHA256, "alice", "s3cret");
        await using var proxy = await FaultProxy.StartAsync("127.0.0.1", broker.Port, seed: 13);
        using var authenticator = MqttScramAuthenticator.Sha256("alice", "s3cret");
        await using var client = new MqttClient(Options(broker, authenticator) with
        {
            Port = proxy.Port,
            Reconnect = new MqttReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(10), MaximumDelay = TimeSpan.FromMilliseconds(50) },
        });
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Connected += (_, e) =>
        {
            if (e.IsReconnect)
            {
                reconnected.TrySetResult();
            }
        };
        await client.ConnectAsync().WaitAsync(Timeout);

        proxy.CutAll();
        await reconnected.Task.WaitAsync(Timeout);

        Assert.Equal(2, broker.Authentications);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Re_authentication_without_an_authenticator_is_refused_before_anything_is_sent()
    {
        await using var broker = new ScramAuthBroker(HashAlgorithmName.SHA256, "alice", "s3cret");
        await using var client = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = broker.Port });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.ReauthenticateAsync());

        Assert.Contains("Authenticator", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_authenticator_with_MQTT_3_1_1_is_refused_at_connect()
    {
        using var authenticator = MqttScramAuthenticator.Sha256("alice", "s3cret");
        await using var client = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = 1, ProtocolVersion = MqttProtocolVersion.V311, Authenticator = authenticator });

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.ConnectAsync());

        Assert.Equal(nameof(MqttClientOptions.Authenticator), error.ParamName);
        Assert.Contains("MQTT 5", error.Message, StringComparison.Ordinal);
    }

    private static MqttClientOptions Options(ScramAuthBroker broker, IMqttAuthenticator authenticator) => new()
    {
        Host = "127.0.0.1",
        Port = broker.Port,
        ClientId = "auth-test",
        Authenticator = authenticator,
        Reconnect = MqttReconnectOptions.Disabled,
    };
}
