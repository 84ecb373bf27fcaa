using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>smqtt demo --host: the same journey against a broker that is already running.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class DemoExistingBrokerTests(MosquittoFixture broker)
{
    [Fact]
    public async Task Demo_uses_a_running_mutual_tls_broker_with_the_given_files()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await SmqttCli.InvokeAsync(
            ["demo", "--host", broker.Host, "--port", $"{broker.MutualTlsPort}", "--cafile", broker.CaCertificatePath,
             "--cert", broker.ClientCertificatePath, "--key", broker.ClientKeyPath], output, error).WaitAsync(Smqtt.Timeout);

        var text = output.ToString();
        Assert.True(code == 0, $"{text}\n{error}");
        Assert.Contains($"client certificate CN={MosquittoFixture.ClientName} sent and accepted", text, StringComparison.Ordinal);
        Assert.Contains("8. Received \"hello over mutual TLS\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_without_a_client_certificate_on_a_mutual_tls_broker_fails_with_one_line()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await SmqttCli.InvokeAsync(
            ["demo", "--host", broker.Host, "--port", $"{broker.MutualTlsPort}", "--cafile", broker.CaCertificatePath], output, error).WaitAsync(Smqtt.Timeout);

        Assert.Equal(1, code);
        Assert.StartsWith("smqtt: demo failed at TLS and MQTT connect:", Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }
}
