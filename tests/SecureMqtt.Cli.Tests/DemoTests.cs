namespace SecureMqtt.Cli.Tests;

/// <summary>smqtt demo, the README's first command, run in-process.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task Demo_exits_zero_and_prints_every_step_and_the_received_message()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await SmqttCli.InvokeAsync(["demo", "--message", "demo test message"], output, error).WaitAsync(Smqtt.Timeout);

        var text = output.ToString();
        Assert.True(code == 0, $"{text}\n{error}");
        Assert.Contains("TLS handshake done: TLS 1.", text, StringComparison.Ordinal);
        Assert.Contains("chain verified against our CA", text, StringComparison.Ordinal);
        Assert.Contains("client certificate CN=demo-device sent and accepted", text, StringComparison.Ordinal);
        Assert.Contains("\n8. Received \"demo test message\"", text, StringComparison.Ordinal);
        // Each step's facts hang below it on ASCII guides; redirected output has no escape sequences.
        Assert.Contains("\n`-- client certificate CN=demo-device sent and accepted by the broker\n", text, StringComparison.Ordinal);
        Assert.Contains("\n|-- chain verified against our CA", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', text);
        Assert.All(text, c => Assert.True(c < 0x80, $"U+{(int)c:X4} is not ASCII"));
        Assert.Empty(error.ToString());
        // The temporary directory (certificates, broker config) is gone afterwards.
        var directory = text.Split("Certificates made in ")[1].Split(':')[0];
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task Demo_against_an_unreachable_broker_fails_with_one_line()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var port = SecureMqtt.Testing.FreePort.Next();

        var code = await SmqttCli.InvokeAsync(["demo", "--host", "127.0.0.1", "--port", $"{port}"], output, error).WaitAsync(Smqtt.Timeout);

        Assert.Equal(1, code);
        Assert.StartsWith("smqtt: demo failed at TCP connect:", Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }
}
