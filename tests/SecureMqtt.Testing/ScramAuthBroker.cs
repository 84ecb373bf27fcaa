using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using SecureMqtt.Packets;

namespace SecureMqtt.Testing;

/// <summary>
/// A small MQTT 5 server on 127.0.0.1:0 that authenticates clients with SCRAM through the AUTH exchange
/// (MQTT 5.0 section 4.12), because no broker on this machine offers an enhanced authentication method
/// (Debian's Mosquitto 2.0.11 answers any Authentication Method with CONNACK 0x8C Bad authentication method).
/// It serves what an authentication test needs and nothing more: CONNECT, the SCRAM AUTH round, CONNACK, then
/// PINGREQ, QoS 0 PUBLISH, re-authentication (AUTH 0x19) and DISCONNECT. Anything else ends the connection
/// with DISCONNECT 0x82 Protocol error.
/// </summary>
/// <remarks>
/// <code>
///  CONNECT (method, client-first)  ->  AUTH 0x18 (server-first)  ->  AUTH 0x18 (client-final)  ->  CONNACK 0x00 (server-final)
///  AUTH 0x19 (client-first)        ->  AUTH 0x18 (server-first)  ->  AUTH 0x18 (client-final)  ->  AUTH 0x00 (server-final)
/// </code>
/// A wrong method is refused with CONNACK 0x8C; a wrong user, proof or message with CONNACK 0x87 Not authorized
/// (during re-authentication, with DISCONNECT 0x87).
/// </remarks>
public sealed class ScramAuthBroker : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<MqttPublishPacket> _publishes = Channel.CreateUnbounded<MqttPublishPacket>();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;
    private int _authentications;
    private int _refusals;

    /// <param name="hash">SHA256 for SCRAM-SHA-256, SHA512 for SCRAM-SHA-512.</param>
    /// <param name="userName">The only user the broker knows.</param>
    /// <param name="password">Its password.</param>
    /// <param name="iterations">The PBKDF2 iteration count the broker asks for (4096 is the RFC 7677 minimum).</param>
    public ScramAuthBroker(HashAlgorithmName hash, string userName, string password, int iterations = 4096)
    {
        Hash = hash;
        UserName = userName;
        Password = password;
        Iterations = iterations;
        Salt = RandomNumberGenerator.GetBytes(16);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public HashAlgorithmName Hash { get; }

    public string UserName { get; }

    /// <summary>The password; a test may change it to make the next (re-)authentication fail.</summary>
    public string Password { get; set; }

    public int Iterations { get; }

    public byte[] Salt { get; }

    /// <summary>"SCRAM-SHA-256" or "SCRAM-SHA-512": the only Authentication Method the broker accepts.</summary>
    public string Method => Hash == HashAlgorithmName.SHA256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512";

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>When true the broker sends a server signature with one bit flipped, as an impostor that lacks the user's ServerKey would.</summary>
    public bool CorruptServerSignature { get; set; }

    /// <summary>Successful authentications, re-authentications included.</summary>
    public int Authentications => Volatile.Read(ref _authentications);

    /// <summary>Refused authentications (bad method, user, proof or message).</summary>
    public int Refusals => Volatile.Read(ref _refusals);

    /// <summary>QoS 0 messages received from authenticated clients, in arrival order.</summary>
    public ChannelReader<MqttPublishPacket> Publishes => _publishes.Reader;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll([_acceptLoop, .. connections]).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.Add(ServeAsync(socket));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await using var connection = new MqttPacketStream(new NetworkStream(socket, ownsSocket: true));
        try
        {
            await ServeAsync(connection);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or MqttProtocolException)
        {
            // The client went away, sent garbage, or the broker is stopping: the connection ends either way.
        }
    }

    private async Task ServeAsync(MqttPacketStream connection)
    {
        if (await ReadAsync(connection) is not MqttConnectPacket connect || connect.ProtocolVersion != MqttProtocolVersion.V500)
        {
            return;
        }

        if (connect.AuthenticationMethod != Method)
        {
            // MQTT 5.0 section 4.12: a server that does not support the method may send CONNACK 0x8C and must close.
            Interlocked.Increment(ref _refusals);
            await connection.SendAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.BadAuthenticationMethod, ReasonString = $"only {Method} is supported" });
            return;
        }

        var outcome = await AuthenticateAsync(connection, connect.AuthenticationData);
        if (outcome.Refusal is { } refusal)
        {
            Interlocked.Increment(ref _refusals);
            await connection.SendAsync(new MqttConnAckPacket { ReasonCode = refusal.Code, ReasonString = refusal.Reason });
            return;
        }

        Interlocked.Increment(ref _authentications);
        await connection.SendAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, AuthenticationMethod = Method, AuthenticationData = outcome.ServerFinal });
        while (await ReadAsync(connection) is { } packet)
        {
            switch (packet)
            {
                case MqttPingReqPacket:
                    await connection.SendAsync(MqttPingRespPacket.Instance);
                    break;
                case MqttPublishPacket { QualityOfService: MqttQualityOfService.AtMostOnce } publish:
                    await _publishes.Writer.WriteAsync(publish, _stop.Token);
                    break;
                case MqttDisconnectPacket:
                    return;
                case MqttAuthPacket { ReasonCode: MqttReasonCode.ReAuthenticate } auth when auth.AuthenticationMethod == Method:
                    // [MQTT-4.12.1-1]: re-authentication uses the method of the CONNECT.
                    var again = await AuthenticateAsync(connection, auth.AuthenticationData);
                    if (again.Refusal is { } failed)
                    {
                        Interlocked.Increment(ref _refusals);
                        await connection.SendAsync(new MqttDisconnectPacket { ReasonCode = failed.Code, ReasonString = failed.Reason });
                        return;
                    }

                    Interlocked.Increment(ref _authentications);
                    await connection.SendAsync(new MqttAuthPacket { ReasonCode = MqttReasonCode.Success, AuthenticationMethod = Method, AuthenticationData = again.ServerFinal });
                    break;
                default:
                    await connection.SendAsync(new MqttDisconnectPacket { ReasonCode = MqttReasonCode.ProtocolError, ReasonString = $"this test broker does not handle {packet.Type} here" });
                    return;
            }
        }
    }

    /// <summary>server-first out, client-final in: the server-final to send on success, or why it refused.</summary>
    private async Task<(byte[]? ServerFinal, (MqttReasonCode Code, string Reason)? Refusal)> AuthenticateAsync(MqttPacketStream connection, ReadOnlyMemory<byte>? clientFirst)
    {
        var scram = new ScramServer(Hash, UserName, Password, Salt, Iterations);
        string serverFirst;
        try
        {
            serverFirst = scram.ServerFirst(Encoding.UTF8.GetString(clientFirst.GetValueOrDefault().Span));
        }
        catch (ScramServerException ex)
        {
            return (null, (MqttReasonCode.NotAuthorized, $"{ex.Error}: {ex.Message}"));
        }

        await connection.SendAsync(new MqttAuthPacket { ReasonCode = MqttReasonCode.ContinueAuthentication, AuthenticationMethod = Method, AuthenticationData = Encoding.UTF8.GetBytes(serverFirst) });
        if (await ReadAsync(connection) is not MqttAuthPacket { ReasonCode: MqttReasonCode.ContinueAuthentication } answer)
        {
            return (null, (MqttReasonCode.ProtocolError, "expected AUTH 0x18 with client-final"));
        }

        if (answer.AuthenticationMethod != Method)
        {
            // [MQTT-4.12.0-5]: every AUTH packet carries the method of the CONNECT.
            return (null, (MqttReasonCode.ProtocolError, "AUTH without the Authentication Method of the CONNECT"));
        }

        string serverFinal;
        try
        {
            serverFinal = scram.ServerFinal(Encoding.UTF8.GetString(answer.AuthenticationData.GetValueOrDefault().Span));
        }
        catch (ScramServerException ex)
        {
            return (null, (MqttReasonCode.NotAuthorized, $"{ex.Error}: {ex.Message}"));
        }

        if (CorruptServerSignature)
        {
            // One bit of the signature flipped: well-formed, but not what the user's ServerKey produces.
            var signature = Convert.FromBase64String(serverFinal[2..]);
            signature[0] ^= 0x01;
            serverFinal = "v=" + Convert.ToBase64String(signature);
        }

        return (Encoding.UTF8.GetBytes(serverFinal), null);
    }

    private async Task<MqttPacket?> ReadAsync(MqttPacketStream connection)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(ReadTimeout);
        return await connection.ReadAsync(timeout.Token);
    }
}
