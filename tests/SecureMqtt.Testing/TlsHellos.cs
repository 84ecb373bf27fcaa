using System.Buffers.Binary;

namespace SecureMqtt.Testing;

/// <summary>
/// Reads the plaintext start of a TLS connection as a relay saw it (<see cref="FaultProxy.RecordOpenings"/>), to
/// tell from outside both ends whether the client offered a session and whether the server resumed it. Only the
/// hellos are needed: under TLS 1.3 the server resumed when its ServerHello carries pre_shared_key (RFC 8446 4.2.11);
/// under TLS 1.2 when it answers without a Certificate message, going straight to ChangeCipherSpec (RFC 5246 7.3).
/// </summary>
public static class TlsHellos
{
    private const byte HandshakeRecord = 22;
    private const byte ClientHello = 1;
    private const byte ServerHello = 2;
    private const byte Certificate = 11;
    private const ushort SessionTicketExtension = 35;
    private const ushort PreSharedKeyExtension = 41;
    private const ushort SupportedVersionsExtension = 43;

    /// <summary>What one connection's hellos say about resumption.</summary>
    /// <param name="Tls13">Whether the server chose TLS 1.3 (supported_versions in its ServerHello).</param>
    /// <param name="Offered">Whether the client offered a session: a pre_shared_key extension or a non-empty session ticket.</param>
    /// <param name="Resumed">Whether the server took a session instead of a full handshake.</param>
    public sealed record Verdict(bool Tls13, bool Offered, bool Resumed);

    /// <summary>Reads the verdict of one recorded connection.</summary>
    /// <param name="opening">The first bytes of both directions.</param>
    /// <returns>The verdict.</returns>
    /// <exception cref="FormatException">The bytes do not start with a ClientHello and a ServerHello.</exception>
    public static Verdict Read(ProxyOpening opening)
    {
        ArgumentNullException.ThrowIfNull(opening);
        var clientMessages = HandshakeMessages(opening.FromClient);
        var serverMessages = HandshakeMessages(opening.FromUpstream);
        if (clientMessages.Count == 0 || clientMessages[0].Type != ClientHello)
        {
            throw new FormatException("The client's first bytes are not a TLS ClientHello.");
        }

        if (serverMessages.Count == 0 || serverMessages[0].Type != ServerHello)
        {
            throw new FormatException("The server's first bytes are not a TLS ServerHello.");
        }

        var offered = Extensions(clientMessages[0].Body, isClientHello: true)
            .Any(e => e.Type == PreSharedKeyExtension || (e.Type == SessionTicketExtension && e.Length > 0));
        var serverExtensions = Extensions(serverMessages[0].Body, isClientHello: false).ToList();
        var tls13 = serverExtensions.Any(e => e.Type == SupportedVersionsExtension);
        var resumed = tls13
            ? serverExtensions.Any(e => e.Type == PreSharedKeyExtension)
            : serverMessages.All(m => m.Type != Certificate);
        return new Verdict(tls13, offered, resumed);
    }

    // The handshake messages of the leading handshake records, reassembled across record boundaries; stops at the
    // first other record (ChangeCipherSpec, or encrypted data), where the plaintext part of the flight ends.
    private static List<(byte Type, byte[] Body)> HandshakeMessages(byte[] bytes)
    {
        var stream = new List<byte>();
        var offset = 0;
        while (offset + 5 <= bytes.Length && bytes[offset] == HandshakeRecord)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(offset + 3));
            var available = Math.Min(length, bytes.Length - offset - 5);
            stream.AddRange(bytes.AsSpan(offset + 5, available));
            offset += 5 + length;
        }

        var messages = new List<(byte, byte[])>();
        var data = stream.ToArray();
        for (var at = 0; at + 4 <= data.Length;)
        {
            var length = (data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3];
            if (at + 4 + length > data.Length)
            {
                break; // cut off by the recording limit
            }

            messages.Add((data[at], data.AsSpan(at + 4, length).ToArray()));
            at += 4 + length;
        }

        return messages;
    }

    private static IEnumerable<(ushort Type, int Length)> Extensions(byte[] hello, bool isClientHello)
    {
        // version (2), random (32), session id (1 + n), then cipher suites (2 + n) and compression methods (1 + n) in
        // a ClientHello, or one cipher suite (2) and one compression method (1) in a ServerHello.
        var at = 34;
        at += 1 + hello[at];
        if (isClientHello)
        {
            at += 2 + BinaryPrimitives.ReadUInt16BigEndian(hello.AsSpan(at));
            at += 1 + hello[at];
        }
        else
        {
            at += 3;
        }

        if (at + 2 > hello.Length)
        {
            yield break; // no extensions at all
        }

        var end = at + 2 + BinaryPrimitives.ReadUInt16BigEndian(hello.AsSpan(at));
        for (at += 2; at + 4 <= end;)
        {
            var type = BinaryPrimitives.ReadUInt16BigEndian(hello.AsSpan(at));
            var length = BinaryPrimitives.ReadUInt16BigEndian(hello.AsSpan(at + 2));
            yield return (type, length);
            at += 4 + length;
        }
    }
}
