using SecureMqtt.Transport;

namespace SecureMqtt.Tls;

/// <summary>
/// Confirms "this port speaks plain MQTT" instead of guessing it: Mosquitto's plain listener reads a TLS ClientHello
/// as a malformed CONNECT and closes without a byte, which looks the same as any server dropping the connection.
/// So on a fresh connection the probe sends a minimal MQTT 3.1.1 CONNECT (clean session, no credentials) and checks
/// that a CONNACK comes back; it then disconnects politely.
/// </summary>
internal static class PlainMqttProbe
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

    public static async ValueTask<bool> AnswersPlainMqttAsync(IMqttTransport tcp, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Limit);
        try
        {
            var connection = await tcp.ConnectAsync(timeout.Token).ConfigureAwait(false);
            await using (connection.Stream.ConfigureAwait(false))
            {
                var clientId = "smqtt-tls-probe-" + Guid.NewGuid().ToString("N")[..8];
                byte[] connect = [0x10, (byte)(12 + clientId.Length), 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x0A,
                    0x00, (byte)clientId.Length, .. System.Text.Encoding.ASCII.GetBytes(clientId)];
                await connection.Stream.WriteAsync(connect, timeout.Token).ConfigureAwait(false);
                var answer = new byte[4];
                var read = await connection.Stream.ReadAtLeastAsync(answer, 2, throwOnEndOfStream: false, timeout.Token).ConfigureAwait(false);
                var isConnAck = read >= 2 && answer[0] == 0x20 && answer[1] == 0x02;
                if (isConnAck)
                {
                    await connection.Stream.WriteAsync(new byte[] { 0xE0, 0x00 }, timeout.Token).ConfigureAwait(false);
                }

                return isConnAck;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex) when (ex is IOException or MqttException)
        {
            return false;
        }
    }
}
