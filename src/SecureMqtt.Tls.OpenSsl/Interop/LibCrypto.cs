using System.Runtime.InteropServices;

namespace SecureMqtt.Tls.OpenSsl.Interop;

/// <summary>The slice of libcrypto.so.3 used for memory BIOs and the error queue.</summary>
internal static unsafe partial class LibCrypto
{
    internal const string Name = "libcrypto.so.3";

    // BIO_ctrl commands (bio.h).
    internal const int BioCtrlPending = 10;
    internal const int BioCSetBufMemEofReturn = 130;

    internal const int ErrLibSsl = 20;

    [LibraryImport(Name)]
    internal static partial IntPtr BIO_s_mem();

    [LibraryImport(Name)]
    internal static partial IntPtr BIO_new(IntPtr method);

    [LibraryImport(Name)]
    internal static partial int BIO_free(IntPtr bio);

    [LibraryImport(Name)]
    internal static partial int BIO_read(IntPtr bio, byte* buffer, int length);

    [LibraryImport(Name)]
    internal static partial int BIO_write(IntPtr bio, byte* buffer, int length);

    [LibraryImport(Name)]
    internal static partial long BIO_ctrl(IntPtr bio, int cmd, long larg, IntPtr parg);

    [LibraryImport(Name)]
    internal static partial ulong ERR_get_error();

    [LibraryImport(Name)]
    internal static partial void ERR_clear_error();

    [LibraryImport(Name)]
    internal static partial void ERR_error_string_n(ulong error, byte* buffer, nuint length);

    // OpenSSL 3 packs an error code as: system flag (bit 31 of the int-sized part), library in bits 23..30, reason in bits 0..22.
    internal static int ErrGetLib(ulong error) => (error & 0x80000000UL) != 0 ? 2 : (int)((error >> 23) & 0xFF);

    internal static int ErrGetReason(ulong error) => (error & 0x80000000UL) != 0 ? (int)(error & 0x7FFFFFFF) : (int)(error & 0x7FFFFF);
}
