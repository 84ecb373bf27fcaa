using Microsoft.Extensions.Logging;
using SecureMqtt.Authentication;
using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests.Hostile;

/// <summary>
/// Rules the specification sets for what a client does with a server's packets, each cited: where it must close
/// the connection, and where it may, and so does not (docs/limits.md lists both).
/// </summary>
public sealed class ConformanceTests : HostileTestBase
{
    [Fact]
    public async Task MQTT_5_Session_Present_in_answer_to_Clean_Start_fails_the_connect_and_closes_the_connection()
    {
        // [MQTT-3.2.2-4] a client without session state that receives Session Present = 1 closes the connection.
        await using var broker = new FakeBroker(MqttProtocolVersion.V500);
        await using var client = new MqttClient(broker.ClientOptions);
        var connecting = client.ConnectAsync();
        var connect = await broker.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, SessionPresent = true });

        var error = await Assert.ThrowsAsync<MqttProtocolException>(() => connecting.WaitAsync(Timeout));

        Assert.True(connect.CleanStart);
        Assert.Equal("MQTT-3.2.2-4", error.Rule);
        var sent = await broker.ReadUntilClosedAsync();
        Assert.Equal(MqttReasonCode.ProtocolError, Assert.IsType<MqttDisconnectPacket>(Assert.Single(sent)).ReasonCode);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task MQTT_3_1_1_Session_Present_in_answer_to_Clean_Session_is_logged_and_the_session_treated_as_new()
    {
        // 3.1.1 states only the server's duty [MQTT-3.2.2-1]; the client keeps the connection and starts afresh.
        var logs = new RecordingLoggerFactory(LogLevel.Warning);
        await using var broker = new FakeBroker(MqttProtocolVersion.V311);
        await using var client = new MqttClient(broker.ClientOptions with { LoggerFactory = logs });
        var connecting = client.ConnectAsync();
        await broker.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, SessionPresent = true });

        var result = await connecting.WaitAsync(Timeout);

        Assert.False(result.SessionPresent);
        Assert.True(client.IsConnected);
        Assert.Contains(logs.Lines, l => l.EventId == 502 && l.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task An_Assigned_Client_Identifier_answering_a_non_empty_client_id_is_a_protocol_error()
    {
        // MQTT 5.0 section 3.2.2.3.7: the server assigns an identifier only for a zero-length one.
        await using var broker = new FakeBroker(MqttProtocolVersion.V500);
        await using var client = new MqttClient(broker.ClientOptions with { ClientId = "mine" });
        var connecting = client.ConnectAsync();
        await broker.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, AssignedClientIdentifier = "theirs" });

        var error = await Assert.ThrowsAsync<MqttProtocolException>(() => connecting.WaitAsync(Timeout));

        Assert.Equal(MqttReasonCode.ProtocolError, error.ReasonCode);
        Assert.Contains("theirs", error.Message, StringComparison.Ordinal);
        var sent = await broker.ReadUntilClosedAsync();
        Assert.Equal(MqttReasonCode.ProtocolError, Assert.IsType<MqttDisconnectPacket>(Assert.Single(sent)).ReasonCode);
    }

    [Fact]
    public async Task An_Assigned_Client_Identifier_answering_an_empty_client_id_is_adopted()
    {
        await using var broker = new FakeBroker(MqttProtocolVersion.V500);
        await using var client = new MqttClient(broker.ClientOptions with { ClientId = string.Empty });
        var connecting = client.ConnectAsync();
        await broker.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, AssignedClientIdentifier = "theirs" });

        await connecting.WaitAsync(Timeout);

        Assert.Equal("theirs", client.ClientId);
    }

    [Fact]
    public async Task MQTT_5_UNSUBACK_for_an_unknown_packet_id_is_logged_and_ignored()
    {
        // Nothing in 3.11 requires closing for it, and a client that gave up waiting can receive one legitimately.
        var logs = new RecordingLoggerFactory(LogLevel.Warning);
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500, o => o with { LoggerFactory = logs });
        await s.Broker.SendAsync(new MqttUnsubAckPacket { PacketId = 999, ReasonCodes = [MqttReasonCode.Success] });

        await s.AssertStillUpAsync();

        Assert.Contains(logs.Lines, l => l.EventId == 503 && l.Text.Contains("999", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MQTT_3_1_1_QoS_0_PUBLISH_with_DUP_set_is_logged_and_delivered_without_the_flag()
    {
        // [MQTT-3.3.1-2] is the sender's duty in 3.1.1, and DUP means nothing without retransmission (QoS 0).
        var logs = new RecordingLoggerFactory(LogLevel.Warning);
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V311, o => o with { LoggerFactory = logs });
        await s.SendRawAsync(Wire.Packet(0x38, Wire.String("t"u8.ToArray()), [1, 2, 3]));

        var message = Assert.Single(await s.ReceiveAsync(1));

        Assert.Equal("t", message.Topic);
        Assert.False(message.Duplicate);
        Assert.Contains(logs.Lines, l => l.EventId == 504);
        await s.AssertStillUpAsync();
    }

    [Fact]
    public async Task An_AUTH_challenge_before_CONNACK_is_answered_with_AUTH_0x18_of_the_same_method()
    {
        // [MQTT-4.12.0-3] the client answers with Continue authentication; [MQTT-4.12.0-5] always naming the CONNECT's method.
        await using var broker = new FakeBroker(MqttProtocolVersion.V500);
        await using var client = new MqttClient(broker.ClientOptions with { Authenticator = new EchoAuthenticator() });
        var connecting = client.ConnectAsync();
        var connect = await broker.AcceptConnectAsync();
        await broker.SendAsync(new MqttAuthPacket { ReasonCode = MqttReasonCode.ContinueAuthentication, AuthenticationMethod = EchoAuthenticator.Name, AuthenticationData = "c1"u8.ToArray() });
        var answer = await broker.ReadAsync<MqttAuthPacket>();
        await broker.SendAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, AuthenticationMethod = EchoAuthenticator.Name, AuthenticationData = "ok"u8.ToArray() });

        await connecting.WaitAsync(Timeout);

        Assert.Equal(EchoAuthenticator.Name, connect.AuthenticationMethod);
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(connect.AuthenticationData!.Value.Span));
        Assert.Equal(MqttReasonCode.ContinueAuthentication, answer.ReasonCode);
        Assert.Equal(EchoAuthenticator.Name, answer.AuthenticationMethod);
        Assert.Equal("re:c1", System.Text.Encoding.ASCII.GetString(answer.AuthenticationData!.Value.Span));
        Assert.True(client.IsConnected);
    }

    [Theory]
    [InlineData("OTHER", MqttReasonCode.ContinueAuthentication)]
    [InlineData(null, MqttReasonCode.ContinueAuthentication)]
    [InlineData(EchoAuthenticator.Name, MqttReasonCode.Success)]
    public async Task An_AUTH_before_CONNACK_with_another_method_or_reason_code_is_a_protocol_error(string? method, MqttReasonCode reasonCode)
    {
        // [MQTT-4.12.0-5] same method in every AUTH; [MQTT-4.12.0-2] the server's AUTH before CONNACK is 0x18.
        await using var broker = new FakeBroker(MqttProtocolVersion.V500);
        await using var client = new MqttClient(broker.ClientOptions with { Authenticator = new EchoAuthenticator() });
        var connecting = client.ConnectAsync();
        await broker.AcceptConnectAsync();
        await broker.SendAsync(new MqttAuthPacket { ReasonCode = reasonCode, AuthenticationMethod = method, AuthenticationData = method is null ? (ReadOnlyMemory<byte>?)null : "c1"u8.ToArray() });

        var error = await Assert.ThrowsAsync<MqttProtocolException>(() => connecting.WaitAsync(Timeout));

        Assert.Equal(method == EchoAuthenticator.Name ? "MQTT-4.12.0-2" : "MQTT-4.12.0-5", error.Rule);
        var sent = await broker.ReadUntilClosedAsync();
        Assert.Equal(MqttReasonCode.ProtocolError, Assert.IsType<MqttDisconnectPacket>(Assert.Single(sent)).ReasonCode);
    }

    [Fact]
    public async Task A_successful_CONNACK_without_the_authentication_method_is_a_protocol_error()
    {
        await using var broker = new FakeBroker(MqttProtocolVersion.V500);
        await using var client = new MqttClient(broker.ClientOptions with { Authenticator = new EchoAuthenticator() });
        var connecting = client.ConnectAsync();
        await broker.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success });

        var error = await Assert.ThrowsAsync<MqttProtocolException>(() => connecting.WaitAsync(Timeout));

        Assert.Equal("MQTT-4.12.0-5", error.Rule);
    }

    [Fact]
    public async Task An_AUTH_while_no_re_authentication_is_in_progress_is_a_protocol_error()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500, o => o with { Authenticator = new EchoAuthenticator() },
            connAck: new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, AuthenticationMethod = EchoAuthenticator.Name });
        await s.Broker.SendAsync(new MqttAuthPacket { ReasonCode = MqttReasonCode.ContinueAuthentication, AuthenticationMethod = EchoAuthenticator.Name });

        await s.AssertProtocolViolationAsync(MqttReasonCode.ProtocolError);
    }

    /// <summary>A method that says "hello", answers each challenge with "re:" and the challenge, and accepts any final data.</summary>
    private sealed class EchoAuthenticator : IMqttAuthenticator
    {
        public const string Name = "ECHO";

        public string Method => Name;

        public IMqttAuthenticationExchange CreateExchange() => new Exchange();

        private sealed class Exchange : IMqttAuthenticationExchange
        {
            public ValueTask<ReadOnlyMemory<byte>?> GetInitialDataAsync(CancellationToken cancellationToken = default) =>
                ValueTask.FromResult<ReadOnlyMemory<byte>?>("hello"u8.ToArray());

            public ValueTask<MqttAuthStep> ContinueAsync(ReadOnlyMemory<byte>? serverData, CancellationToken cancellationToken = default) =>
                ValueTask.FromResult(new MqttAuthStep((byte[])[.. "re:"u8, .. serverData.GetValueOrDefault().Span]));

            public ValueTask CompleteAsync(ReadOnlyMemory<byte>? serverFinalData, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

            public void Dispose()
            {
            }
        }
    }
}
