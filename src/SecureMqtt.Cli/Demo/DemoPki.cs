using System.Net;
using SecureMqtt.Pki;

namespace SecureMqtt.Cli.Demo;

/// <summary>The demo's CA, broker and device certificates, written as PEM files (keys 0600) into the demo directory.</summary>
internal sealed class DemoPki
{
    public const string DeviceName = "demo-device";

    private DemoPki(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaCertificatePath => Path.Combine(Directory, "ca.crt");

    public string BrokerCertificatePath => Path.Combine(Directory, "broker.crt");

    public string BrokerKeyPath => Path.Combine(Directory, "broker.key");

    public string DeviceCertificatePath => Path.Combine(Directory, "device.crt");

    public string DeviceKeyPath => Path.Combine(Directory, "device.key");

    public IReadOnlyList<(string Role, CertificateDetails Details)> Made { get; private set; } = [];

    public static DemoPki Create(string directory)
    {
        var pki = new DemoPki(directory);
        using var ca = CertificateAuthority.Create("SecureMqtt Demo CA");
        using var broker = ca.IssueServerCertificate("localhost", ["localhost"], [IPAddress.Loopback, IPAddress.IPv6Loopback]);
        using var device = ca.IssueClientCertificate(DeviceName);
        PemFiles.WriteAll(
        [
            OutputFile.Text(pki.CaCertificatePath, ca.CertificatePem),
            OutputFile.Text(pki.BrokerCertificatePath, broker.CertificatePem),
            OutputFile.Text(pki.BrokerKeyPath, broker.PrivateKeyPem, isSecret: true),
            OutputFile.Text(pki.DeviceCertificatePath, device.CertificatePem),
            OutputFile.Text(pki.DeviceKeyPath, device.PrivateKeyPem, isSecret: true),
        ]);
        pki.Made =
        [
            ("CA", CertificateDetails.From(ca.Certificate)),
            ("broker", CertificateDetails.From(broker.Certificate)),
            ("device", CertificateDetails.From(device.Certificate)),
        ];
        return pki;
    }
}
