using System.Runtime.InteropServices;

namespace SecureMqtt.Cli.Common;

/// <summary>
/// Keeps the process from reading the operating system's trust store when nothing will trust it. On Linux, .NET's
/// chain builder loads the whole OS store (the bundle and then every file in /etc/ssl/certs, some 150 certificates
/// parsed twice) on the first chain it builds, even under <c>CustomRootTrust</c>, where those roots cannot vouch for
/// anything. For a one-message <c>smqtt pub</c> that was ~90 ms of CPU, most of the native binary's start-up. It finds
/// the store through OpenSSL's <c>SSL_CERT_FILE</c> and <c>SSL_CERT_DIR</c>, read from the process's C environment
/// (which <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not change), so they are pointed at
/// nothing there. This can only narrow trust: with a CA file or pin-only, the OS roots were never trusted; what is
/// lost is the OS bundle as a source of missing intermediates, which a bundle of roots does not hold.
/// </summary>
internal static partial class OsTrustStore
{
    private static bool _skipped;

    /// <summary>
    /// Set by the real entry point only: the environment is the whole process's, so it is changed only when the
    /// process is smqtt, not when a test host runs the commands in-process alongside tests that need the OS store.
    /// </summary>
    public static bool OwnsProcess { get; set; }

    /// <summary>
    /// Call before the first TLS connection or chain is built, while no other thread reads the environment
    /// (setenv is not safe against a concurrent getenv): the CLI does it while building its options.
    /// </summary>
    public static void SkipLoading()
    {
        if (_skipped || !OwnsProcess || !OperatingSystem.IsLinux())
        {
            return;
        }

        // /dev/null is an empty file and not a directory: the bundle reads as no certificates, the directory is skipped.
        if (SetEnv("SSL_CERT_FILE", "/dev/null", 1) != 0 || SetEnv("SSL_CERT_DIR", "/dev/null", 1) != 0)
        {
            // Not fatal: the store is then loaded and ignored, as before.
            return;
        }

        _skipped = true;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
