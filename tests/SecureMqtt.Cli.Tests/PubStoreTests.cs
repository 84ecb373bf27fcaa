using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>
/// smqtt pub --store: lines of -l that were accepted survive SIGKILL of the pub process, and the next run with the
/// same client id and store sends them. The pub runs as a real child process so that it can be killed.
/// </summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class PubStoreTests(MosquittoFixture fixture)
{
    private static readonly string Smqtt = Path.Combine(AppContext.BaseDirectory, "smqtt.dll");

    [Fact]
    public async Task Lines_accepted_before_a_SIGKILL_are_sent_by_the_next_run_with_the_same_store()
    {
        const int Before = 50;
        const int During = 50;
        var topic = ListenerArguments.Topic("pub-store");
        var store = Path.Combine(Directory.CreateTempSubdirectory("smqtt-pub-store-").FullName, "pub.db");
        var id = $"store-{Guid.NewGuid():N}"[..20];
        var seen = new ConcurrentDictionary<int, int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstLines = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscriber = new MqttClient(new MqttClientOptions { Host = fixture.Host, Port = fixture.PlainPort, ClientId = $"sub-{Guid.NewGuid():N}"[..20] });
        await subscriber.ConnectAsync();
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, (message, _) =>
        {
            seen.AddOrUpdate(int.Parse(Encoding.ASCII.GetString(message.Payload.Span), CultureInfo.InvariantCulture), 1, (_, c) => c + 1);
            if (seen.Count >= Before)
            {
                firstLines.TrySetResult();
            }

            if (seen.Count == Before + During)
            {
                all.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });
        await using var proxy = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 41);
        string[] args = [Smqtt, "pub", "-h", "127.0.0.1", "-p", $"{proxy.Port}", "-t", topic, "-q", "1", "-l", "-i", id, "--store", store, "-d", "-M", "100"];

        // First run: the broker acknowledges the first lines, then hears nothing more (a stalled link): the next
        // lines are sent (so stored first) but never acknowledged when the process is killed. -M 100 lets all of
        // them be in flight at once (MQTT 3.1.1 allows 20 by default).
        var sent = 0;
        var allSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (var first = ProcessRunner.Start("dotnet", args, out _, out var firstErrors, line =>
        {
            if (line.Contains(" sending PUBLISH ", StringComparison.Ordinal) && Interlocked.Increment(ref sent) == Before + During)
            {
                allSent.TrySetResult();
            }
        }))
        {
            await WriteLinesAsync(first, 0, Before);
            await firstLines.Task.WaitAsync(global::SecureMqtt.Cli.Tests.Smqtt.Timeout);
            proxy.Stall(true);
            await WriteLinesAsync(first, Before, During);
            await allSent.Task.WaitAsync(global::SecureMqtt.Cli.Tests.Smqtt.Timeout);
            first.Kill();
            await first.WaitForExitAsync();
            Assert.True(first.ExitCode != 0, firstErrors.ToString());
        }

        proxy.Stall(false);
        var second = await ProcessRunner.RunAsync("dotnet", args, TimeSpan.FromSeconds(60), standardInput: string.Empty);

        Assert.True(second.ExitCode == 0, second.ToString());
        await all.Task.WaitAsync(global::SecureMqtt.Cli.Tests.Smqtt.Timeout);
        Assert.Equal(Enumerable.Range(0, Before + During), seen.Keys.Order());
    }

    [Fact]
    public async Task A_store_without_a_client_id_is_refused_before_connecting()
    {
        var result = await global::SecureMqtt.Cli.Tests.Smqtt.PubAsync(["-h", "127.0.0.1", "-p", "1", "-t", "t", "-m", "x", "--store", "/tmp/never-created.db"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--store", result.Error, StringComparison.Ordinal);
        Assert.Contains("-i", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists("/tmp/never-created.db"));
    }

    private static async Task WriteLinesAsync(Process process, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            await process.StandardInput.WriteAsync($"{i}\n");
        }

        await process.StandardInput.FlushAsync();
    }
}
