using System.Runtime.InteropServices;

namespace SecureMqtt.Tls.OpenSsl.Interop;

/// <summary>Owns an <c>SSL_CTX*</c>; OpenSSL reference-counts it, so freeing after <c>SSL_new</c> is safe.</summary>
internal sealed class SafeSslContextHandle : SafeHandle
{
    public SafeSslContextHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        LibSsl.SSL_CTX_free(handle);
        return true;
    }
}

/// <summary>Owns an <c>SSL*</c> and, after <c>SSL_set_bio</c>, the two memory BIOs attached to it.</summary>
internal sealed class SafeSslHandle : SafeHandle
{
    public SafeSslHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        LibSsl.SSL_free(handle);
        return true;
    }
}
