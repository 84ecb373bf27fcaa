using System.Runtime.InteropServices;

namespace SecureMqtt.Tls.OpenSsl.Interop;

/// <summary>The slice of libssl.so.3 that a memory-BIO PSK client needs.</summary>
/// <remarks>
/// Several OpenSSL "functions" are macros over <c>SSL_ctrl</c>/<c>SSL_CTX_ctrl</c>; the control codes
/// below are the values from OpenSSL 3's <c>ssl.h</c>, which are part of its stable ABI.
/// </remarks>
internal static unsafe partial class LibSsl
{
    internal const string Name = "libssl.so.3";

    internal const int SslErrorNone = 0;
    internal const int SslErrorSsl = 1;
    internal const int SslErrorWantRead = 2;
    internal const int SslErrorWantWrite = 3;
    internal const int SslErrorSyscall = 5;
    internal const int SslErrorZeroReturn = 6;

    internal const int CtrlSetTlsextHostname = 55;
    internal const int CtrlSetMinProtoVersion = 123;
    internal const int CtrlSetMaxProtoVersion = 124;
    internal const int TlsextNametypeHostName = 0;

    internal const int Tls12Version = 0x0303;
    internal const int Tls13Version = 0x0304;

    internal const int VerifyPeer = 0x01;

    // Renegotiation would let SSL_write need a read, which a writer must never do while a reader owns the inner stream.
    internal const ulong OpNoRenegotiation = 1UL << 30;

    [LibraryImport(Name)]
    internal static partial IntPtr TLS_client_method();

    [LibraryImport(Name)]
    internal static partial SafeSslContextHandle SSL_CTX_new(IntPtr method);

    [LibraryImport(Name)]
    internal static partial void SSL_CTX_free(IntPtr ctx);

    [LibraryImport(Name)]
    internal static partial long SSL_CTX_ctrl(SafeSslContextHandle ctx, int cmd, long larg, IntPtr parg);

    [LibraryImport(Name)]
    internal static partial ulong SSL_CTX_set_options(SafeSslContextHandle ctx, ulong options);

    [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SSL_CTX_set_cipher_list(SafeSslContextHandle ctx, string list);

    [LibraryImport(Name)]
    internal static partial void SSL_CTX_set_verify(SafeSslContextHandle ctx, int mode, IntPtr callback);

    [LibraryImport(Name)]
    internal static partial void SSL_CTX_set_psk_client_callback(
        SafeSslContextHandle ctx,
        delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, uint, byte*, uint, uint> callback);

    [LibraryImport(Name)]
    internal static partial SafeSslHandle SSL_new(SafeSslContextHandle ctx);

    [LibraryImport(Name)]
    internal static partial void SSL_free(IntPtr ssl);

    [LibraryImport(Name)]
    internal static partial void SSL_set_bio(SafeSslHandle ssl, IntPtr readBio, IntPtr writeBio);

    [LibraryImport(Name)]
    internal static partial void SSL_set_connect_state(SafeSslHandle ssl);

    // Session resumption (PskSessionCache): SSL_SESSION pointers are reference counted by OpenSSL.
    [LibraryImport(Name)]
    internal static partial IntPtr SSL_get1_session(SafeSslHandle ssl);

    [LibraryImport(Name)]
    internal static partial IntPtr SSL_get_session(SafeSslHandle ssl);

    [LibraryImport(Name)]
    internal static partial int SSL_set_session(SafeSslHandle ssl, IntPtr session);

    [LibraryImport(Name)]
    internal static partial IntPtr SSL_SESSION_dup(IntPtr session);

    [LibraryImport(Name)]
    internal static partial int SSL_SESSION_is_resumable(IntPtr session);

    [LibraryImport(Name)]
    internal static partial void SSL_SESSION_free(IntPtr session);

    [LibraryImport(Name)]
    internal static partial long SSL_ctrl(SafeSslHandle ssl, int cmd, long larg, IntPtr parg);

    [LibraryImport(Name)]
    internal static partial int SSL_set_ex_data(SafeSslHandle ssl, int index, IntPtr data);

    [LibraryImport(Name)]
    internal static partial IntPtr SSL_get_ex_data(IntPtr ssl, int index);

    [LibraryImport(Name)]
    internal static partial int SSL_do_handshake(SafeSslHandle ssl);

    [LibraryImport(Name)]
    internal static partial int SSL_read_ex(SafeSslHandle ssl, byte* buffer, nuint count, out nuint read);

    [LibraryImport(Name)]
    internal static partial int SSL_write_ex(SafeSslHandle ssl, byte* buffer, nuint count, out nuint written);

    [LibraryImport(Name)]
    internal static partial int SSL_get_error(SafeSslHandle ssl, int ret);

    [LibraryImport(Name)]
    internal static partial int SSL_shutdown(SafeSslHandle ssl);

    [LibraryImport(Name)]
    internal static partial IntPtr SSL_get_version(SafeSslHandle ssl);

    [LibraryImport(Name)]
    internal static partial int SSL_version(SafeSslHandle ssl);

    [LibraryImport(Name)]
    internal static partial IntPtr SSL_get_current_cipher(SafeSslHandle ssl);

    [LibraryImport(Name)]
    internal static partial IntPtr SSL_CIPHER_get_name(IntPtr cipher);

    [LibraryImport(Name)]
    internal static partial int SSL_CIPHER_get_kx_nid(IntPtr cipher);

    [LibraryImport(Name)]
    internal static partial int SSL_session_reused(SafeSslHandle ssl);
}
