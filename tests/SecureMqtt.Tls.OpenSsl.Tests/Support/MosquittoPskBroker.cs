namespace SecureMqtt.Tls.OpenSsl.Tests.Support;

/// <summary>A real Mosquitto with a TLS-PSK listener and a plain MQTT listener, configured in a temp directory.</summary>
public sealed class MosquittoPskBroker : IAsyncLifetime
{
    public const string Identity = "device-1";
    public const string HexKey = "6f1e0c2a9b8d7e4f30a1b2c3d4e5f607";

    private ExternalProcess? _process;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "psk-mosquitto-" + Guid.NewGuid().ToString("N"));

    public int PskPort { get; private set; }

    public int PlainPort { get; private set; }

    public ExternalProcess Process => _process ?? throw new InvalidOperationException("Broker not started.");

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        PskPort = Net.FreePort();
        PlainPort = Net.FreePort();
        var pskFile = Path.Combine(Directory, "psk");
        await File.WriteAllTextAsync(pskFile, $"{Identity}:{HexKey}\nother:00112233445566778899aabbccddeeff\n");
        var config = $"""
            per_listener_settings true
            {(Environment.UserName == "root" ? "user root" : string.Empty)}
            log_dest stderr
            log_dest file {Path.Combine(Directory, "mosquitto.log")}
            log_type all

            listener {PskPort} 127.0.0.1
            psk_hint hint
            psk_file {pskFile}
            allow_anonymous true

            listener {PlainPort} 127.0.0.1
            allow_anonymous true

            """;
        var configFile = Path.Combine(Directory, "mosquitto.conf");
        await File.WriteAllTextAsync(configFile, config);
        _process = ExternalProcess.Start("/usr/sbin/mosquitto", ["-c", configFile], Directory);

        // Logged after every listener is bound.
        await _process.WaitForLineAsync("running", TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
