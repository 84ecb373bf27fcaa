using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using SecureMqtt.Tls.OpenSsl.Interop;

namespace SecureMqtt.Tls.OpenSsl;

/// <summary>
/// The identity and key the PSK callback hands to OpenSSL, reachable from native code through a GCHandle stored
/// as the SSL object's app data. The key lives in native memory (never moved by the GC) and is zeroed on dispose.
/// </summary>
internal sealed unsafe class PskCredentials : IDisposable
{
    // Index 0 is what SSL_set_app_data / SSL_get_app_data use; no other code shares this SSL object.
    internal const int AppDataIndex = 0;

    private readonly byte[] _identity;
    private byte* _key;
    private readonly int _keyLength;
    private GCHandle _self;

    public PskCredentials(string identity, ReadOnlySpan<byte> key)
    {
        _identity = Encoding.UTF8.GetBytes(identity);
        _keyLength = key.Length;
        _key = (byte*)NativeMemory.Alloc((nuint)key.Length);
        key.CopyTo(new Span<byte>(_key, key.Length));
        _self = GCHandle.Alloc(this);
    }

    /// <summary>How often OpenSSL asked for the key (zero means the handshake never got as far as PSK).</summary>
    public int CallbackCount { get; private set; }

    /// <summary>Why the callback declined, when it did.</summary>
    public string? CallbackFailure { get; private set; }

    public IntPtr Handle => GCHandle.ToIntPtr(_self);

    public void Dispose()
    {
        if (_key != null)
        {
            CryptographicOperations.ZeroMemory(new Span<byte>(_key, _keyLength));
            NativeMemory.Free(_key);
            _key = null;
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    /// <summary>OpenSSL's <c>SSL_psk_client_cb_func</c>; used for the TLS 1.2 key exchange and for TLS 1.3 external PSKs alike.</summary>
    /// <returns>The key length, or 0 to abort the handshake.</returns>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "An exception must never unwind into OpenSSL; returning 0 fails the handshake cleanly.")]
    internal static uint ClientCallback(IntPtr ssl, byte* hint, byte* identity, uint maxIdentityLength, byte* psk, uint maxPskLength)
    {
        try
        {
            var handle = LibSsl.SSL_get_ex_data(ssl, AppDataIndex);
            if (handle == IntPtr.Zero || GCHandle.FromIntPtr(handle).Target is not PskCredentials credentials)
            {
                return 0;
            }

            return credentials.Supply(identity, maxIdentityLength, psk, maxPskLength);
        }
        catch (Exception)
        {
            return 0;
        }
    }

    private uint Supply(byte* identity, uint maxIdentityLength, byte* psk, uint maxPskLength)
    {
        CallbackCount++;
        if (_key == null)
        {
            CallbackFailure = "the key was already cleared";
            return 0;
        }

        // OpenSSL's identity buffer is maxIdentityLength + 1 bytes: room for the terminating NUL it reads with strlen.
        if ((uint)_identity.Length > maxIdentityLength)
        {
            CallbackFailure = $"the identity is {_identity.Length} bytes and OpenSSL accepts at most {maxIdentityLength}";
            return 0;
        }

        if ((uint)_keyLength > maxPskLength)
        {
            CallbackFailure = $"the key is {_keyLength} bytes and OpenSSL accepts at most {maxPskLength}";
            return 0;
        }

        _identity.CopyTo(new Span<byte>(identity, _identity.Length));
        identity[_identity.Length] = 0;
        Buffer.MemoryCopy(_key, psk, maxPskLength, _keyLength);
        return (uint)_keyLength;
    }
}
