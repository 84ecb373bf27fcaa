using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Tls;

/// <summary>
/// The CA bundle, CRL and client certificate named by one <see cref="MqttTlsOptions"/>, loaded once and kept while
/// their files stay as they were (same length and last write time). Loading a client certificate builds its chain
/// and imports its key, some 2.7 ms on this machine class, and every reconnect and every client sharing the options
/// paid it again; a file replaced on disk (certificate rotation) is still read again at the next connect.
/// </summary>
/// <remarks>
/// Keyed by the options object, so the material lives as long as the options do. Certificates given as objects are
/// copied (CA) or wrapped (client certificate) per connect as before, except that the client certificate's context
/// is kept for the same certificate object. A load that fails is not kept: the next connect tries again and reports
/// the same error if the file is still wrong.
/// </remarks>
internal static class TlsMaterial
{
    private static readonly ConditionalWeakTable<MqttTlsOptions, Entry> s_entries = new();

    public static X509Certificate2Collection? LoadCa(MqttTlsOptions options) =>
        options.CaFile is { } path
            ? EntryFor(options).Ca.Get((FileStamp.Of(path), default), path, MqttCertificateLoader.LoadCaFile)
            : MqttCertificateLoader.LoadCa(options);

    public static IReadOnlyList<CertificateRevocationList>? LoadCrl(MqttTlsOptions options) =>
        options.CrlFile is { } path
            ? EntryFor(options).Crl.Get((FileStamp.Of(path), default), path, CertificateRevocationList.LoadFile)
            : null;

    public static SslStreamCertificateContext? LoadClientCertificate(MqttTlsOptions options)
    {
        if (!options.HasClientCertificate)
        {
            return null;
        }

        // The files behind the certificate (PKCS#12, or certificate and key); none for a certificate object.
        var stamp = options.Pkcs12File is { } p12 ? (FileStamp.Of(p12), default)
            : options.ClientCertificateFile is { } certFile ? (FileStamp.Of(certFile), options.ClientKeyFile is { } keyFile ? FileStamp.Of(keyFile) : default)
            : (default(FileStamp), default(FileStamp));
        return EntryFor(options).Client.Get(stamp, options, static o => MqttCertificateLoader.LoadClientCertificate(o)!);
    }

    private static Entry EntryFor(MqttTlsOptions options) => s_entries.GetValue(options, static _ => new Entry());

    private sealed class Entry
    {
        public Kept<X509Certificate2Collection> Ca { get; } = new();

        public Kept<IReadOnlyList<CertificateRevocationList>> Crl { get; } = new();

        public Kept<SslStreamCertificateContext> Client { get; } = new();
    }

    /// <summary>One loaded value and the stamps of the files it came from (one or two).</summary>
    private sealed class Kept<T>
        where T : class
    {
        private readonly Lock _lock = new();
        private T? _value;
        private (FileStamp, FileStamp) _stamp;

        public T Get<TState>((FileStamp, FileStamp) stamp, TState state, Func<TState, T> load)
        {
            lock (_lock)
            {
                if (_value is null || _stamp != stamp)
                {
                    _value = load(state);
                    _stamp = stamp;
                }

                return _value;
            }
        }
    }

    /// <summary>What tells a file's new contents from its old without reading it; all zero when it cannot be read.</summary>
    private readonly record struct FileStamp(long Length, long LastWriteTicks)
    {
        public static FileStamp Of(string path)
        {
            try
            {
                var info = new FileInfo(path);
                return info.Exists ? new FileStamp(info.Length, info.LastWriteTimeUtc.Ticks) : default;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                // Unreadable metadata: loading reports what is wrong with the file.
                return default;
            }
        }
    }
}
