using System.Runtime.InteropServices;

namespace SecureMqtt.Tls.OpenSsl.Interop;

/// <summary>Finds out once, without throwing, whether the system OpenSSL 3 with the PSK client API can be loaded.</summary>
internal static class OpenSslSupport
{
    private static readonly Lazy<string?> Problem = new(Probe);

    /// <summary>Null when TLS-PSK is available; otherwise why not, in a sentence.</summary>
    public static string? UnavailableReason => Problem.Value;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "IsSupported promises never to throw, whatever the loader does.")]
    private static string? Probe()
    {
        try
        {
            if (!OperatingSystem.IsLinux())
            {
                return "this is not Linux";
            }

            // Loading the exact sonames the P/Invokes bind to, so a probe success means the calls will bind too.
            if (!NativeLibrary.TryLoad(LibCrypto.Name, out var crypto))
            {
                return $"{LibCrypto.Name} could not be loaded";
            }

            if (!NativeLibrary.TryLoad(LibSsl.Name, out var ssl))
            {
                return $"{LibSsl.Name} could not be loaded";
            }

            foreach (var export in (ReadOnlySpan<string>)["SSL_CTX_set_psk_client_callback", "SSL_read_ex", "SSL_write_ex", "TLS_client_method"])
            {
                if (!NativeLibrary.TryGetExport(ssl, export, out _))
                {
                    return $"{LibSsl.Name} lacks {export}";
                }
            }

            return NativeLibrary.TryGetExport(crypto, "BIO_s_mem", out _) ? null : $"{LibCrypto.Name} lacks BIO_s_mem";
        }
        catch (Exception ex)
        {
            return $"loading OpenSSL failed ({ex.GetType().Name})";
        }
    }
}
