using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using SecureMqtt.Packets;

namespace SecureMqtt.Tests.Infrastructure;

/// <summary>
/// An in-process peer on 127.0.0.1:0 that speaks raw MQTT packets under the test's control, over plain TCP or
/// TLS: it completes as much of the handshake as a test asks (read CONNECT, answer it or not), then sends any
/// scripted bytes (whole, or a few bytes per write with pauses) and records every packet the client sends.
/// </summary>
public sealed class FakeBroker : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly bool _tls;
    private readonly List<MqttPacket> _received = [];
    private Socket? _socket;
    private NetworkStream? _network;
    private Stream? _stream;
    private PipeReader? _reader;

    /// <param name="version">The protocol version packets are encoded and decoded with.</param>
    /// <param name="tls">Serve TLS with <see cref="TestServerCertificate"/>; <see cref="ClientOptions"/> trusts its CA.</param>
    public FakeBroker(MqttProtocolVersion version = MqttProtocolVersion.V500, bool tls = false)
    {
        Version = version;
        _tls = tls;
        _listener.Start();
    }

    public MqttProtocolVersion Version { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Every packet read from the client so far, CONNECT included, in arrival order.</summary>
    public IReadOnlyList<MqttPacket> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>The TCP stream under TLS (or the only stream without it), for bytes that bypass the TLS layer.</summary>
    public Stream RawStream => _network ?? throw new InvalidOperationException("No client has connected.");

    public MqttClientOptions ClientOptions => new()
    {
        Host = "127.0.0.1",
        Port = Port,
        ProtocolVersion = Version,
        ClientId = "fake-test",
        KeepAlive = TimeSpan.Zero,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        // This peer serves one connection: the tests over it are about what happens on that connection, so the
        // client must not reconnect into a peer that no longer answers. Reconnecting is tested against Mosquitto.
        Reconnect = MqttReconnectOptions.Disabled,
        // This peer reads only when its test does, so it never closes by itself after DISCONNECT: the client would
        // wait out DisconnectTimeout at every DisposeAsync. Tests of that wait set it.
        DisconnectTimeout = TimeSpan.Zero,
        Tls = _tls ? new MqttTlsOptions { CaFile = TestServerCertificate.CaFile, TargetHost = "localhost" } : null,
    };

    /// <summary>A new client connected to this broker (CONNECT read, <paramref name="connAck"/> sent); the caller disposes it.</summary>
    public async Task<MqttClient> ConnectClientAsync(MqttConnAckPacket? connAck = null)
    {
        var client = new MqttClient(ClientOptions);
        var accept = AcceptAsync(connAck);
        await client.ConnectAsync();
        await accept;
        return client;
    }

    /// <summary>Accepts the client, reads its CONNECT and answers with <paramref name="connAck"/> (success by default).</summary>
    public async Task<MqttConnectPacket> AcceptAsync(MqttConnAckPacket? connAck = null)
    {
        var connect = await AcceptConnectAsync();
        await SendAsync(connAck ?? new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success });
        return connect;
    }

    /// <summary>Accepts the client (with the TLS handshake when configured) and reads its CONNECT without answering.</summary>
    public async Task<MqttConnectPacket> AcceptConnectAsync()
    {
        _socket = await _listener.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(10));
        _network = new NetworkStream(_socket, ownsSocket: true);
        _stream = _network;
        if (_tls)
        {
            var ssl = new SslStream(_network, leaveInnerStreamOpen: true);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = TestServerCertificate.Certificate })
                .WaitAsync(TimeSpan.FromSeconds(10));
            _stream = ssl;
        }

        _reader = PipeReader.Create(_stream);
        return Assert.IsType<MqttConnectPacket>(await ReadPacketAsync());
    }

    /// <summary>Closes the current connection without a word (the listener stays open for the next AcceptAsync).</summary>
    public async Task DropConnectionAsync()
    {
        await _reader!.CompleteAsync();
        await _stream!.DisposeAsync();
        await _network!.DisposeAsync();
    }

    /// <summary>Ends the connection with a TCP reset (RST) instead of an orderly close.</summary>
    public void Reset()
    {
        _socket!.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    /// <summary>
    /// Ends the stream towards the client (TLS close_notify, then TCP FIN) but keeps reading, so a test can still
    /// see what the client sends before it closes.
    /// </summary>
    public async Task EndOutputAsync()
    {
        if (_stream is SslStream ssl)
        {
            await ssl.ShutdownAsync();
        }

        _socket!.Shutdown(SocketShutdown.Send);
    }

    /// <summary>Sends the TLS close_notify alert (the TCP connection stays open).</summary>
    public Task ShutdownTlsAsync() => ((SslStream)_stream!).ShutdownAsync();

    /// <summary>The next packet from the client, or null when it closed the connection.</summary>
    public async Task<MqttPacket?> ReadPacketAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var result = await _reader!.ReadAsync(cts.Token);
            var buffer = result.Buffer;
            if (MqttPacketReader.TryRead(ref buffer, Version, 256 * 1024 * 1024, out var packet))
            {
                _reader.AdvanceTo(buffer.Start);
                lock (_received)
                {
                    _received.Add(packet);
                }

                return packet;
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Reads every packet the client sends until it closes the connection (a reset counts as a close) and
    /// returns them; fails when the client keeps the connection open past <paramref name="timeout"/>.
    /// </summary>
    public async Task<IReadOnlyList<MqttPacket>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var packets = new List<MqttPacket>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            MqttPacket? packet;
            try
            {
                packet = await ReadPacketAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            }
            catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException)
            {
                // A reset, or the client's TLS layer giving up: either way the connection is closed.
                return packets;
            }
            catch (OperationCanceledException ex)
            {
                throw new TimeoutException($"The client kept the connection open; it sent [{string.Join(", ", packets.Select(p => p.Type))}].", ex);
            }

            if (packet is null)
            {
                return packets;
            }

            packets.Add(packet);
        }
    }

    public async Task<T> ReadAsync<T>()
        where T : MqttPacket
    {
        var packet = await ReadPacketAsync();
        return Assert.IsType<T>(packet);
    }

    public async Task SendAsync(MqttPacket packet)
    {
        var writer = new ArrayBufferWriter<byte>();
        MqttPacketWriter.Write(writer, packet, Version);
        await SendRawAsync(writer.WrittenMemory);
    }

    public async Task SendAckAsync(MqttPacketType type, ushort packetId, MqttReasonCode reasonCode = MqttReasonCode.Success)
    {
        var writer = new ArrayBufferWriter<byte>();
        MqttPacketWriter.WriteAck(writer, new MqttAck(type, packetId, reasonCode), Version);
        await SendRawAsync(writer.WrittenMemory);
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        await _stream!.WriteAsync(bytes, cancellationToken);
        await _stream.FlushAsync(cancellationToken);
    }

    /// <summary>Sends <paramref name="bytes"/> <paramref name="chunkSize"/> bytes per write, pausing <paramref name="pause"/> between writes.</summary>
    public async Task SendSlowlyAsync(ReadOnlyMemory<byte> bytes, int chunkSize, TimeSpan pause)
    {
        for (var offset = 0; offset < bytes.Length; offset += chunkSize)
        {
            if (offset > 0)
            {
                await Task.Delay(pause);
            }

            await SendRawAsync(bytes.Slice(offset, Math.Min(chunkSize, bytes.Length - offset)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        if (_reader is not null)
        {
            await _reader.CompleteAsync();
        }

        if (_stream is not null)
        {
            await _stream.DisposeAsync();
        }

        if (_network is not null)
        {
            await _network.DisposeAsync();
        }

        _listener.Dispose();
    }
}
