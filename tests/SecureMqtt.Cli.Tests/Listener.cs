using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>Which of the fixture's listeners a test talks to; the arguments are the same for smqtt and mosquitto's tools.</summary>
public enum Listener
{
    Plain,
    Tls,
    MutualTls,
}

internal static class ListenerArguments
{
    public static string[] For(MosquittoFixture broker, Listener listener) => listener switch
    {
        Listener.Plain => ["-h", broker.Host, "-p", $"{broker.PlainPort}"],
        Listener.Tls => ["-h", broker.Host, "-p", $"{broker.TlsPort}", "--cafile", broker.CaCertificatePath],
        _ => ["-h", broker.Host, "-p", $"{broker.MutualTlsPort}", "--cafile", broker.CaCertificatePath,
            "--cert", broker.ClientCertificatePath, "--key", broker.ClientKeyPath],
    };

    public static string Topic(string name) => $"cli-tests/{name}/{Guid.NewGuid():N}";
}
