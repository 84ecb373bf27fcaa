using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Text;
using SecureMqtt.Tls.OpenSsl.Interop;

namespace SecureMqtt.Tls.OpenSsl;

public sealed partial class PskTlsStream
{
    // PSK key exchanges only, forward-secret ones first. A certificate suite in this list would let a server that
    // ignores the PSK authenticate with a certificate nobody checks; RSA-PSK needs a server certificate too.
    private const string DefaultCipherList = "ECDHEPSK:DHEPSK:PSK:!kRSAPSK:!eNULL:!aNULL:!SHA1:!CAMELLIA:!ARIA:@STRENGTH";

    private const int NidKxEcdhePsk = 1040;
    private const int NidKxDhePsk = 1041;
    private const int NidKxRsaPsk = 1042;
    private const int NidKxPsk = 1043;

    /// <summary>Runs a TLS-PSK client handshake over <paramref name="inner"/> and returns the connected session.</summary>
    /// <param name="inner">A connected, readable and writable stream to the server, e.g. a TCP <see cref="System.Net.Sockets.NetworkStream"/>.</param>
    /// <param name="options">Identity, key and TLS settings.</param>
    /// <param name="cancellationToken">Cancels the handshake.</param>
    /// <returns>The connected stream, which then owns <paramref name="inner"/>.</returns>
    /// <exception cref="PskTlsException">The platform has no usable OpenSSL 3, or the handshake failed; <see cref="PskTlsException.Kind"/> says why.</exception>
    /// <exception cref="ArgumentException">The options are invalid or contradict each other.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<PskTlsStream> ConnectAsync(Stream inner, PskTlsClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        if (OpenSslSupport.UnavailableReason is { } why)
        {
            throw new PskTlsException(
                PskTlsFailure.UnsupportedPlatform,
                $"TLS-PSK needs OpenSSL 3 (libssl.so.3), available on Linux; here {why}. Use certificate-based TLS on this platform.");
        }

        var (minVersion, maxVersion) = Validate(options);
        var credentials = new PskCredentials(options.Identity, options.Key.Span);
        PskTlsStream? stream = null;
        try
        {
            stream = Create(inner, options, minVersion, maxVersion, credentials);
            await stream.HandshakeAsync(options, maxVersion != LibSsl.Tls12Version, credentials, cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            stream?.FreeNativeState();
            throw;
        }
        finally
        {
            stream?.DetachCredentials();
            credentials.Dispose();
        }
    }

    private static (int Min, int Max) Validate(PskTlsClientOptions options)
    {
        if (string.IsNullOrEmpty(options.Identity) || options.Identity.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The PSK identity must be non-empty and contain no NUL character.", nameof(options));
        }

        if (Encoding.UTF8.GetByteCount(options.Identity) > PskTlsClientOptions.MaxIdentityBytes)
        {
            throw new ArgumentException($"The PSK identity is longer than OpenSSL's limit of {PskTlsClientOptions.MaxIdentityBytes} UTF-8 bytes.", nameof(options));
        }

        if (options.Key.IsEmpty || options.Key.Length > PskTlsClientOptions.MaxKeyBytes)
        {
            throw new ArgumentException($"The PSK key must be 1 to {PskTlsClientOptions.MaxKeyBytes} bytes long (16 random bytes or more is the safe minimum).", nameof(options));
        }

        if (options.HandshakeTimeout <= TimeSpan.Zero && options.HandshakeTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("HandshakeTimeout must be positive (or Timeout.InfiniteTimeSpan).", nameof(options));
        }

        var min = options.MinimumVersion switch
        {
            SslProtocols.None or SslProtocols.Tls12 => LibSsl.Tls12Version,
            SslProtocols.Tls13 => LibSsl.Tls13Version,
            _ => throw new ArgumentException("MinimumVersion must be SslProtocols.Tls12 or SslProtocols.Tls13: TLS-PSK below 1.2 is not offered.", nameof(options)),
        };
        var max = options.MaximumVersion switch
        {
            SslProtocols.None or SslProtocols.Tls13 => LibSsl.Tls13Version,
            SslProtocols.Tls12 => LibSsl.Tls12Version,
            _ => throw new ArgumentException("MaximumVersion must be SslProtocols.None, Tls12 or Tls13.", nameof(options)),
        };
        if (max < min)
        {
            throw new ArgumentException("MaximumVersion is below MinimumVersion, so no TLS version is left to offer.", nameof(options));
        }

        return (min, max);
    }

    private static unsafe PskTlsStream Create(Stream inner, PskTlsClientOptions options, int minVersion, int maxVersion, PskCredentials credentials)
    {
        OpenSslErrorQueue.Clear();
        using var context = LibSsl.SSL_CTX_new(LibSsl.TLS_client_method());
        if (context.IsInvalid)
        {
            throw SetupFailure("SSL_CTX_new");
        }

        if (LibSsl.SSL_CTX_ctrl(context, LibSsl.CtrlSetMinProtoVersion, minVersion, IntPtr.Zero) != 1
            || LibSsl.SSL_CTX_ctrl(context, LibSsl.CtrlSetMaxProtoVersion, maxVersion, IntPtr.Zero) != 1)
        {
            throw SetupFailure("setting the TLS version range");
        }

        LibSsl.SSL_CTX_set_options(context, LibSsl.OpNoRenegotiation);
        if (LibSsl.SSL_CTX_set_cipher_list(context, options.CipherList ?? DefaultCipherList) != 1)
        {
            throw new ArgumentException("CipherList names no cipher suite OpenSSL knows.", nameof(options));
        }

        // No trust anchors are loaded, so any certificate a server offers instead of using the PSK fails verification.
        LibSsl.SSL_CTX_set_verify(context, LibSsl.VerifyPeer, IntPtr.Zero);
        LibSsl.SSL_CTX_set_psk_client_callback(context, &PskCredentials.ClientCallback);

        var ssl = LibSsl.SSL_new(context);
        if (ssl.IsInvalid)
        {
            ssl.Dispose();
            throw SetupFailure("SSL_new");
        }

        var readBio = LibCrypto.BIO_new(LibCrypto.BIO_s_mem());
        var writeBio = LibCrypto.BIO_new(LibCrypto.BIO_s_mem());
        if (readBio == IntPtr.Zero || writeBio == IntPtr.Zero)
        {
            LibCrypto.BIO_free(readBio);
            LibCrypto.BIO_free(writeBio);
            ssl.Dispose();
            throw SetupFailure("BIO_new");
        }

        // From here the SSL object owns both BIOs and frees them in SSL_free.
        LibSsl.SSL_set_bio(ssl, readBio, writeBio);
        LibSsl.SSL_set_connect_state(ssl);
        if (LibSsl.SSL_set_ex_data(ssl, PskCredentials.AppDataIndex, credentials.Handle) != 1)
        {
            ssl.Dispose();
            throw SetupFailure("SSL_set_ex_data");
        }

        // RFC 6066 section 3: SNI carries host names only, never IP literals.
        if (options.ServerName is { Length: > 0 } serverName && !IPAddress.TryParse(serverName, out _))
        {
            var name = Marshal.StringToCoTaskMemUTF8(serverName);
            try
            {
                if (LibSsl.SSL_ctrl(ssl, LibSsl.CtrlSetTlsextHostname, LibSsl.TlsextNametypeHostName, name) != 1)
                {
                    ssl.Dispose();
                    throw SetupFailure("setting the SNI host name");
                }
            }
            finally
            {
                Marshal.FreeCoTaskMem(name);
            }
        }

        var stream = new PskTlsStream(inner, options.LeaveInnerStreamOpen, ssl, readBio, writeBio);
        if (options.SessionCache is { } cache)
        {
            stream._sessionCache = cache;
            stream._sessionKey = PskSessionCache.KeyOf(options, minVersion, maxVersion);
            stream._offeredSession = cache.TryOffer(ssl, stream._sessionKey);
            stream.SessionOffered = stream._offeredSession != IntPtr.Zero;
        }

        return stream;
    }

    private static PskTlsException SetupFailure(string step)
    {
        var (_, text) = OpenSslErrorQueue.Drain();
        return HandshakeDiagnosis.Create(PskTlsFailure.HandshakeFailed, $"OpenSSL could not be set up for TLS-PSK ({step} failed).", text);
    }

    private async Task HandshakeAsync(PskTlsClientOptions options, bool offeredTls13, PskCredentials credentials, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.HandshakeTimeout);
        var token = timeout.Token;
        var receivedAnything = false;
        try
        {
            while (true)
            {
                var (done, failure) = HandshakeStep(options.Identity, offeredTls13, credentials);
                try
                {
                    // Even a failure may have queued an alert for the server: send it so the broker logs the reason too.
                    await DrainWriteBioAsync(useAsync: true, token).ConfigureAwait(false);
                }
                catch (IOException) when (failure is not null)
                {
                }

                if (failure is not null)
                {
                    throw failure;
                }

                if (done)
                {
                    break;
                }

                // WaitAsync: the timeout must hold even over an inner stream that ignores cancellation.
                var read = await _inner.ReadAsync(_inBuffer, token).AsTask().WaitAsync(token).ConfigureAwait(false);
                if (read == 0)
                {
                    throw HandshakeDiagnosis.ClosedDuringHandshake(receivedAnything);
                }

                if (!receivedAnything && !HandshakeDiagnosis.IsTlsRecordStart(_inBuffer[0]))
                {
                    throw HandshakeDiagnosis.NotTls(_inBuffer.AsSpan(0, read));
                }

                receivedAnything = true;
                FeedReadBio(_inBuffer.AsSpan(0, read));
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw HandshakeDiagnosis.Create(
                PskTlsFailure.Timeout,
                string.Create(CultureInfo.InvariantCulture, $"The TLS-PSK handshake did not complete within {options.HandshakeTimeout.TotalSeconds:0.###} s: ") +
                (receivedAnything
                    ? "the server stopped answering part-way."
                    : "the server sent nothing back. Check the host and port, and that a TLS listener (not a firewall black hole) is there."));
        }
        catch (IOException ex)
        {
            throw HandshakeDiagnosis.ClosedDuringHandshake(receivedAnything, ex);
        }

        RecordSessionAndCheckPskUsed();
    }

    private (bool Done, PskTlsException? Failure) HandshakeStep(string identity, bool offeredTls13, PskCredentials credentials)
    {
        lock (_sslGate)
        {
            // The error queue is per thread: clear, call and drain without leaving this thread.
            OpenSslErrorQueue.Clear();
            var result = LibSsl.SSL_do_handshake(_ssl);
            if (result == 1)
            {
                return (true, null);
            }

            var error = LibSsl.SSL_get_error(_ssl, result);
            return error == LibSsl.SslErrorWantRead
                ? (false, null)
                : (false, HandshakeDiagnosis.FromOpenSsl(error, identity, offeredTls13, credentials));
        }
    }

    private void RecordSessionAndCheckPskUsed()
    {
        lock (_sslGate)
        {
            _handshakeDone = true;

            // SSL_session_reused is no help under TLS 1.3, where every PSK handshake counts as reused (the external PSK
            // is one). A resumed handshake keeps the offered session as the connection's; a full one makes a new session.
            SessionResumed = SessionOffered && LibSsl.SSL_session_reused(_ssl) == 1 && LibSsl.SSL_get_session(_ssl) == _offeredSession;
            if (SessionResumed)
            {
                _sessionCache!.NoteResumed();
            }
            NegotiatedProtocol = Marshal.PtrToStringUTF8(LibSsl.SSL_get_version(_ssl)) ?? string.Empty;
            var cipher = LibSsl.SSL_get_current_cipher(_ssl);
            CipherSuite = cipher == IntPtr.Zero ? string.Empty : Marshal.PtrToStringUTF8(LibSsl.SSL_CIPHER_get_name(cipher)) ?? string.Empty;

            // Belt and braces next to the empty trust store: a TLS 1.3 session authenticated by our external PSK counts
            // as "reused" in OpenSSL; a TLS 1.2 one has a PSK key exchange.
            var pskUsed = LibSsl.SSL_version(_ssl) == LibSsl.Tls13Version
                ? LibSsl.SSL_session_reused(_ssl) == 1
                : cipher != IntPtr.Zero && LibSsl.SSL_CIPHER_get_kx_nid(cipher) is NidKxPsk or NidKxEcdhePsk or NidKxDhePsk or NidKxRsaPsk;
            if (!pskUsed)
            {
                throw HandshakeDiagnosis.Create(
                    PskTlsFailure.PskNotUsed,
                    $"The handshake completed ({NegotiatedProtocol}, {CipherSuite}) without the pre-shared key, so the server is not authenticated; refusing the session.");
            }
        }
    }

    private void DetachCredentials()
    {
        lock (_sslGate)
        {
            if (!_ssl.IsClosed)
            {
                LibSsl.SSL_set_ex_data(_ssl, PskCredentials.AppDataIndex, IntPtr.Zero);
            }
        }
    }
}
