using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>
/// smqtt sub reconnects after a lost connection and subscribes again, as mosquitto_sub (libmosquitto's
/// loop_forever) does. Each test restarts its own broker on a fixed port; the fixture lends only its certificates.
/// </summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class SubReconnectTests(MosquittoFixture fixture)
{
    [Theory]
    [InlineData(Listener.Plain)]
    [InlineData(Listener.MutualTls)]
    public async Task After_the_broker_restarts_the_same_run_reconnects_resubscribes_and_keeps_counting(Listener listener)
    {
        var port = FreePort.Next();
        var topic = ListenerArguments.Topic("reconnect");
        string[] connection = [.. ConnectionArguments(listener, port)];
        var first = await StartBrokerAsync(listener, port);
        SubRun sub;
        try
        {
            sub = Smqtt.StartSub([.. connection, "-t", topic, "-q", "1", "-C", "2"]);
            await sub.WaitSubscribedAsync();
            await PublishAsync(connection, topic, "before");
            await sub.WaitForOutputAsync("before\n");
        }
        finally
        {
            await first.DisposeAsync();
        }

        await using var second = await StartBrokerAsync(listener, port);
        await PublishUntilPrintedAsync(sub, connection, topic, "after");

        var result = await sub.ResultAsync();
        Assert.True(result.ExitCode == 0, result.ToString());
        // -C 2 counts across the reconnect: exactly the message from before and one from after, in order.
        Assert.Equal(["before", "after"], result.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // mosquitto_sub says nothing about a reconnect without -d; smqtt says one line per lost connection.
        AssertLossLines(result.Error, 1);
    }

    [Fact]
    public async Task With_a_resumed_session_qos_2_messages_arrive_exactly_once_across_the_reconnect()
    {
        // The broker lives on behind a relay, so it keeps the -c session and queues messages meanwhile. QoS 2:
        // a cut right after "one" was printed may lose its PUBREC or PUBCOMP, and the resumed session must still
        // hand "one" over only once (at QoS 1 the broker would rightly send it again).
        await using var relay = TcpRelay.Start(fixture.PlainPort);
        var topic = ListenerArguments.Topic("resume");
        string[] direct = ["-h", fixture.Host, "-p", $"{fixture.PlainPort}"];
        var sub = Smqtt.StartSub(["-h", "127.0.0.1", "-p", $"{relay.Port}", "-t", topic, "-q", "2", "-c", "-i", $"resume-{Guid.NewGuid():N}"[..20], "-C", "3"]);
        await sub.WaitSubscribedAsync();
        await PublishAsync(direct, topic, "one", qos: "2");
        await sub.WaitForOutputAsync("one\n");

        await relay.CutAsync();
        await PublishAsync(direct, topic, "two", qos: "2");
        await PublishAsync(direct, topic, "three", qos: "2");
        relay.Open();

        var result = await sub.ResultAsync();
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["one", "two", "three"], result.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        AssertLossLines(result.Error, 1);
    }

    [Fact]
    public async Task A_connection_gone_silent_is_found_dead_by_the_clients_keep_alive_and_connected_again()
    {
        await using var relay = TcpRelay.Start(fixture.PlainPort);
        var topic = ListenerArguments.Topic("silent");
        string[] direct = ["-h", fixture.Host, "-p", $"{fixture.PlainPort}"];
        var sub = Smqtt.StartSub(["-h", "127.0.0.1", "-p", $"{relay.Port}", "-t", topic, "-k", "5", "-C", "2"]);
        await sub.WaitSubscribedAsync();
        await PublishAsync(direct, topic, "before");
        await sub.WaitForOutputAsync("before\n");

        // Nothing closes on the client's side (not even when the broker gives up): only the missing PINGRESP tells
        // the client the connection is gone, 1.5 times the smallest keep-alive mosquitto_sub accepts (5 s) later.
        relay.Silence();
        await PublishUntilPrintedAsync(sub, direct, topic, "after");

        var result = await sub.ResultAsync();
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["before", "after"], result.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        AssertLossLines(result.Error, 1);
    }

    [Fact]
    public async Task A_session_taken_over_by_another_client_is_followed_by_a_reconnect()
    {
        var topic = ListenerArguments.Topic("taken-over");
        var id = $"takeover-{Guid.NewGuid():N}"[..20];
        string[] direct = ["-h", fixture.Host, "-p", $"{fixture.PlainPort}"];
        var sub = Smqtt.StartSub([.. direct, "-V", "mqttv5", "-i", id, "-t", topic, "-C", "2", "-d"]);
        await sub.WaitSubscribedAsync();
        await PublishAsync(direct, topic, "before");
        await sub.WaitForOutputAsync("before\n");

        // Another client with the same id takes the session over: Mosquitto ends the subscriber's connection (with
        // DISCONNECT, Session taken over, under MQTT 5). The other client leaves at once, so the reconnect is left alone.
        var intruder = await Smqtt.PubAsync([.. direct, "-V", "mqttv5", "-i", id, "-t", ListenerArguments.Topic("intruder"), "-m", "x"]);
        Assert.True(intruder.ExitCode == 0, intruder.ToString());
        await PublishUntilPrintedAsync(sub, direct, topic, "after");

        var result = await sub.ResultAsync();
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Count(l => l == $"Client {id} sending CONNECT"));
        Assert.Equal(["before", "after"], lines.Where(l => !l.StartsWith("Client ", StringComparison.Ordinal) && !l.StartsWith("Subscribed ", StringComparison.Ordinal)));
        AssertLossLines(result.Error, 1);
    }

    [Fact]
    public async Task With_d_the_reconnect_shows_a_new_connect_and_subscribe()
    {
        var port = FreePort.Next();
        var topic = ListenerArguments.Topic("reconnect-debug");
        string[] connection = ["-h", "127.0.0.1", "-p", $"{port}"];
        var first = await StartBrokerAsync(Listener.Plain, port);
        SubRun sub;
        try
        {
            sub = Smqtt.StartSub([.. connection, "-t", topic, "-C", "1", "-d", "-i", "reconnect-debug"]);
            await sub.WaitSubscribedAsync();
        }
        finally
        {
            await first.DisposeAsync();
        }

        await using var second = await StartBrokerAsync(Listener.Plain, port);
        await PublishUntilPrintedAsync(sub, connection, topic, "after");

        var result = await sub.ResultAsync();
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Count(l => l == "Client reconnect-debug sending CONNECT"));
        Assert.Equal(2, lines.Count(l => l.StartsWith("Client reconnect-debug sending SUBSCRIBE", StringComparison.Ordinal)));
        Assert.Equal(2, lines.Count(l => l.StartsWith("Subscribed (mid: ", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("mqttv311", 5)]
    [InlineData("mqttv5", 135)]
    public async Task A_refused_reconnect_exits_with_the_connack_reason_code_as_a_refusal_at_start_does(string version, int expected)
    {
        var port = FreePort.Next();
        var first = await StartBrokerAsync(Listener.Plain, port);
        SubRun sub;
        try
        {
            sub = Smqtt.StartSub(["-h", "127.0.0.1", "-p", $"{port}", "-V", version, "-t", ListenerArguments.Topic("refused")]);
            await sub.WaitSubscribedAsync();
        }
        finally
        {
            await first.DisposeAsync();
        }

        // The same port, now refusing anonymous clients: the reconnect gets a CONNACK refusal.
        await using var closed = await MosquittoBroker.StartAsync([new MosquittoListener { Port = port, AllowAnonymous = false }]);

        var result = await sub.ResultAsync();
        Assert.True(result.ExitCode == expected, result.ToString());
        var errors = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, errors.Length);
        Assert.StartsWith("Connection lost: ", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("Connection error: ", errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task W_bounds_the_whole_run_reconnect_attempts_included()
    {
        var port = FreePort.Next();
        var first = await StartBrokerAsync(Listener.Plain, port);
        SubRun sub;
        try
        {
            sub = Smqtt.StartSub(["-h", "127.0.0.1", "-p", $"{port}", "-t", ListenerArguments.Topic("timeout"), "-W", "3"]);
            await sub.WaitSubscribedAsync();
        }
        finally
        {
            // No broker any more: the run keeps trying to reconnect until -W runs out.
            await first.DisposeAsync();
        }

        var result = await sub.ResultAsync();

        Assert.True(result.ExitCode == 27, result.ToString());
        Assert.Equal("Timed out", result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        AssertLossLines(result.Error.Replace("Timed out\n", string.Empty, StringComparison.Ordinal), 1);
    }

    [Fact]
    public async Task Ctrl_c_while_reconnecting_ends_the_run_at_once_with_status_0()
    {
        var port = FreePort.Next();
        var first = await StartBrokerAsync(Listener.Plain, port);
        SubRun sub;
        try
        {
            sub = Smqtt.StartSub(["-h", "127.0.0.1", "-p", $"{port}", "-t", ListenerArguments.Topic("stop")]);
            await sub.WaitSubscribedAsync();
        }
        finally
        {
            await first.DisposeAsync();
        }

        // No broker, only a socket on the port: an accepted connection proves the run is in its reconnect loop.
        // Closing it unanswered fails that attempt, so the run goes back to waiting the reconnect delay.
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        using (var attempt = await listener.AcceptTcpClientAsync().WaitAsync(Smqtt.Timeout))
        {
            attempt.Client.Close();
        }

        var stopwatch = Stopwatch.StartNew();
        sub.Stop();
        var result = await sub.ResultAsync();
        stopwatch.Stop();

        Assert.True(result.ExitCode == 0, result.ToString());
        AssertLossLines(result.Error, 1);
        // Well under the 1 s reconnect delay: the wait is cancelled, not sat out.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromMilliseconds(900), $"took {stopwatch.Elapsed}");
    }

    /// <summary>stderr holds exactly one "Connection lost: ... Reconnecting in 1s." line per lost connection, and nothing else.</summary>
    private static void AssertLossLines(string error, int losses)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == losses, error);
        Assert.All(lines, l => Assert.Matches("^Connection lost: .+\\. Reconnecting in 1s\\.$", l));
    }

    private Task<MosquittoBroker> StartBrokerAsync(Listener listener, int port) => MosquittoBroker.StartAsync(
    [
        listener == Listener.Plain
            ? new MosquittoListener { Port = port }
            : new MosquittoListener
            {
                Port = port,
                CaFile = fixture.CaCertificatePath,
                CertFile = fixture.ServerCertificatePath,
                KeyFile = fixture.ServerKeyPath,
                TlsVersion = "tlsv1.2",
                RequireCertificate = true,
            },
    ]);

    private IEnumerable<string> ConnectionArguments(Listener listener, int port) => listener == Listener.Plain
        ? ["-h", "127.0.0.1", "-p", $"{port}"]
        : ["-h", "127.0.0.1", "-p", $"{port}", "--cafile", fixture.CaCertificatePath, "--cert", fixture.ClientCertificatePath, "--key", fixture.ClientKeyPath];

    private static async Task PublishAsync(string[] connection, string topic, string payload, string qos = "1")
    {
        var result = await Smqtt.PubAsync([.. connection, "-t", topic, "-q", qos, "-m", payload]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary>
    /// The subscriber only receives once it has reconnected and subscribed again, which takes its reconnect
    /// delay: publish every 200 ms until it prints the payload.
    /// </summary>
    private static async Task PublishUntilPrintedAsync(SubRun sub, string[] connection, string topic, string payload)
    {
        var printed = sub.WaitForOutputAsync(payload + "\n");
        using var deadline = new CancellationTokenSource(Smqtt.Timeout);
        while (!printed.IsCompleted)
        {
            await PublishAsync(connection, topic, payload);
            await Task.WhenAny(printed, Task.Delay(200, deadline.Token));
            deadline.Token.ThrowIfCancellationRequested();
        }

        await printed;
    }
}
