using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>--psk and --psk-identity against a Mosquitto PSK listener, with mosquitto_sub (also on PSK) as the peer.</summary>
public sealed class PskTests
{
    private const string Identity = "cli-device";
    private const string Key = "00112233445566778899aabbccddeeff";

    [Fact]
    public async Task Pub_over_tls_psk_reaches_mosquitto_sub_and_a_wrong_key_is_one_error_line()
    {
        await using var broker = await PskBroker.StartAsync();
        string[] connection = ["-h", "127.0.0.1", "-p", $"{broker.Port}", "--psk-identity", Identity];
        var topic = ListenerArguments.Topic("psk");
        await using var observer = await MosquittoSubscription.StartAsync([.. connection, "--psk", Key], topic);

        var good = await Smqtt.PubAsync([.. connection, "--psk", Key, "-t", topic, "-m", "over psk", "-q", "1"]);
        var bad = await Smqtt.PubAsync([.. connection, "--psk", "ffeeddccbbaa99887766554433221100", "-t", topic, "-m", "x"]);

        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Equal(["over psk"], await observer.WaitForMessagesAsync());
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith("Error: ", Assert.Single(bad.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Psk_together_with_a_ca_file_is_refused_as_mosquitto_refuses_it()
    {
        var result = await Smqtt.PubAsync(["--psk", Key, "--psk-identity", Identity, "--cafile", "/etc/hostname", "-t", "x", "-m", "y"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Only one of --psk", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pub_with_psk_impl_managed_reaches_mosquitto_sub_and_doctor_names_the_managed_path()
    {
        await using var broker = await PskBroker.StartAsync();
        string[] connection = ["-h", "127.0.0.1", "-p", $"{broker.Port}", "--psk-identity", Identity, "--psk", Key];
        var topic = ListenerArguments.Topic("psk-managed");
        await using var observer = await MosquittoSubscription.StartAsync(connection, topic);

        var pub = await Smqtt.PubAsync([.. connection, "--psk-impl", "managed", "-t", topic, "-m", "over managed psk", "-q", "1"]);
        var managed = await Smqtt.DoctorAsync([.. connection, "--psk-impl", "managed", "--timeout", "5"]);
        var auto = await Smqtt.DoctorAsync([.. connection, "--timeout", "5"]);

        Assert.True(pub.ExitCode == 0, pub.ToString());
        Assert.Equal(["over managed psk"], await observer.WaitForMessagesAsync());
        Assert.True(managed.ExitCode == 0, managed.ToString());
        Assert.Contains("TLS-PSK implementation: managed (BouncyCastle)", managed.Text, StringComparison.Ordinal);
        Assert.True(auto.ExitCode == 0, auto.ToString());
        Assert.Contains("TLS-PSK implementation: system OpenSSL 3", auto.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--psk-impl", "managed", "-t", "x", "-m", "y" }, "--psk-impl chooses how --psk connects")]
    [InlineData(new[] { "--psk", Key, "--psk-identity", Identity, "--psk-impl", "gnutls", "-t", "x", "-m", "y" }, "--psk-impl gnutls is not known")]
    public async Task Psk_impl_misuse_is_a_usage_error_that_says_what_to_give(string[] arguments, string expected)
    {
        var result = await Smqtt.PubAsync(arguments);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    /// <summary>A Mosquitto PSK listener on a free port that knows <see cref="Identity"/> with <see cref="Key"/>; its psk_file is removed with it.</summary>
    private sealed class PskBroker : IAsyncDisposable
    {
        private readonly string _directory;
        private readonly MosquittoBroker _broker;

        private PskBroker(string directory, MosquittoBroker broker, int port)
        {
            _directory = directory;
            _broker = broker;
            Port = port;
        }

        public int Port { get; }

        public static async Task<PskBroker> StartAsync()
        {
            var directory = Directory.CreateTempSubdirectory("smqtt-psk-").FullName;
            try
            {
                var pskFile = Path.Combine(directory, "psk.txt");
                await File.WriteAllTextAsync(pskFile, $"{Identity}:{Key}\n");
                var port = FreePort.Next();
                var broker = await MosquittoBroker.StartAsync([new MosquittoListener { Port = port, PskHint = "cli-tests", PskFile = pskFile }]);
                return new PskBroker(directory, broker, port);
            }
            catch
            {
                Directory.Delete(directory, recursive: true);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _broker.DisposeAsync();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
