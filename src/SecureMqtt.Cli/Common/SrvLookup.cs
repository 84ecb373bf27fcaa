using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace SecureMqtt.Cli.Common;

/// <summary>
/// -S: the DNS SRV lookup mosquitto's clients do (RFC 2782), because .NET has no SRV API: one query over UDP to the
/// resolver, the answer's SRV records ordered by priority and, within a priority, by weighted random choice. The
/// resolver is the first <c>nameserver</c> of /etc/resolv.conf, or <c>SMQTT_DNS_SERVER</c> (<c>address[:port]</c>).
/// </summary>
internal static class SrvLookup
{
    private const ushort TypeSrv = 33;
    private const ushort ClassIn = 1;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>One SRV record: where a broker listens.</summary>
    public sealed record Target(string Host, int Port, ushort Priority, ushort Weight);

    /// <summary>The targets of <paramref name="name"/> in the order to try them; an empty list when the name has none.</summary>
    public static async Task<IReadOnlyList<Target>> LookupAsync(string name, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        var server = FindServer(environment);
        var id = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        var query = BuildQuery(id, name);
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        var buffer = new byte[4096];
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            try
            {
                await socket.SendToAsync(query, SocketFlags.None, server, timeout.Token).ConfigureAwait(false);
                while (true)
                {
                    var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, server, timeout.Token).ConfigureAwait(false);
                    var answer = buffer.AsSpan(0, received.ReceivedBytes);

                    // Only an answer to this query, from the server asked, counts (a stray datagram is skipped).
                    if (answer.Length >= 12 && BinaryPrimitives.ReadUInt16BigEndian(answer) == id && received.RemoteEndPoint.Equals(server))
                    {
                        return Order(Parse(answer, name));
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Lost datagram: ask once more.
            }
        }

        throw new CliException($"the DNS server {server} did not answer the SRV query for {name}");
    }

    private static IPEndPoint FindServer(Func<string, string?> environment)
    {
        if (environment("SMQTT_DNS_SERVER") is { Length: > 0 } configured)
        {
            if (IPEndPoint.TryParse(configured, out var endpoint))
            {
                return endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint;
            }

            throw new CliException($"SMQTT_DNS_SERVER '{configured}' is not an address[:port]");
        }

        if (File.Exists("/etc/resolv.conf"))
        {
            foreach (var line in File.ReadLines("/etc/resolv.conf"))
            {
                var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (parts is ["nameserver", var address, ..] && IPAddress.TryParse(address, out var ip))
                {
                    return new IPEndPoint(ip, 53);
                }
            }
        }

        throw new CliException("no DNS server for the SRV lookup: /etc/resolv.conf names none (set SMQTT_DNS_SERVER)");
    }

    private static byte[] BuildQuery(ushort id, string name)
    {
        var labels = name.TrimEnd('.').Split('.');
        var length = 12 + labels.Sum(l => 1 + Encoding.ASCII.GetByteCount(l)) + 1 + 4;
        var query = new byte[length];
        BinaryPrimitives.WriteUInt16BigEndian(query, id);
        query[2] = 0x01; // RD: recursion desired.
        query[5] = 1; // QDCOUNT
        var at = 12;
        foreach (var label in labels)
        {
            var count = Encoding.ASCII.GetBytes(label, query.AsSpan(at + 1));
            if (count is 0 or > 63)
            {
                throw new CliException($"'{name}' is not a domain name that can be looked up");
            }

            query[at] = (byte)count;
            at += 1 + count;
        }

        query[at++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(query.AsSpan(at), TypeSrv);
        BinaryPrimitives.WriteUInt16BigEndian(query.AsSpan(at + 2), ClassIn);
        return query;
    }

    private static List<Target> Parse(ReadOnlySpan<byte> message, string name)
    {
        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if ((flags & 0x0200) != 0)
        {
            throw new CliException($"the SRV answer for {name} was truncated (more records than fit a UDP answer; DNS over TCP is not implemented)");
        }

        var rcode = flags & 0x000F;
        if (rcode == 3)
        {
            return []; // NXDOMAIN: the name does not exist.
        }

        if (rcode != 0)
        {
            throw new CliException($"the DNS server answered the SRV query for {name} with error {rcode}");
        }

        var questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        var answers = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        var at = 12;
        for (var i = 0; i < questions; i++)
        {
            ReadName(message, ref at);
            at += 4;
        }

        var targets = new List<Target>();
        for (var i = 0; i < answers; i++)
        {
            ReadName(message, ref at);
            var type = BinaryPrimitives.ReadUInt16BigEndian(message[at..]);
            var dataLength = BinaryPrimitives.ReadUInt16BigEndian(message[(at + 8)..]);
            var data = at + 10;
            if (type == TypeSrv)
            {
                var priority = BinaryPrimitives.ReadUInt16BigEndian(message[data..]);
                var weight = BinaryPrimitives.ReadUInt16BigEndian(message[(data + 2)..]);
                var port = BinaryPrimitives.ReadUInt16BigEndian(message[(data + 4)..]);
                var targetAt = data + 6;
                var host = ReadName(message, ref targetAt);

                // RFC 2782: a target of "." means the service is decidedly not available at this domain.
                if (host.Length > 0)
                {
                    targets.Add(new Target(host, port, priority, weight));
                }
            }

            at = data + dataLength;
        }

        return targets;
    }

    /// <summary>A domain name at <paramref name="at"/>, following compression pointers (RFC 1035 section 4.1.4).</summary>
    private static string ReadName(ReadOnlySpan<byte> message, ref int at)
    {
        var name = new StringBuilder();
        var position = at;
        var jumped = false;
        for (var hops = 0; hops < 64; hops++)
        {
            var length = message[position];
            if ((length & 0xC0) == 0xC0)
            {
                if (!jumped)
                {
                    at = position + 2;
                    jumped = true;
                }

                position = BinaryPrimitives.ReadUInt16BigEndian(message[position..]) & 0x3FFF;
                continue;
            }

            if (length == 0)
            {
                if (!jumped)
                {
                    at = position + 1;
                }

                return name.ToString();
            }

            if (name.Length > 0)
            {
                name.Append('.');
            }

            name.Append(Encoding.ASCII.GetString(message.Slice(position + 1, length)));
            position += 1 + length;
        }

        throw new CliException("the DNS answer has a name that loops");
    }

    /// <summary>RFC 2782 order: lowest priority first; within one priority, a weighted random pick, repeated.</summary>
    private static List<Target> Order(List<Target> targets)
    {
        var ordered = new List<Target>(targets.Count);
        foreach (var group in targets.GroupBy(t => t.Priority).OrderBy(g => g.Key))
        {
            var left = group.OrderBy(t => t.Weight).ToList();
            while (left.Count > 0)
            {
                var total = left.Sum(t => t.Weight);
                var pick = Random.Shared.Next(total + 1);
                var chosen = left.FindIndex(t => (pick -= t.Weight) <= 0);
                ordered.Add(left[chosen < 0 ? 0 : chosen]);
                left.RemoveAt(chosen < 0 ? 0 : chosen);
            }
        }

        return ordered;
    }
}
