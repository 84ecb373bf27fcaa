namespace SecureMqtt.Cli.Doctor;

/// <summary>smqtt doctor --help.</summary>
internal static class DoctorUsage
{
    public static string Text => """
smqtt doctor: walk one connection to a broker step by step and say which step fails, why, and how to fix it.
Usage: smqtt doctor [-h host] [-p port] [pub's connection and TLS options] [--json] [--timeout seconds]

Steps: TCP connect; TLS configuration (files load); client hello (SNI, ALPN, versions offered) and the broker's answer;
server certificate chain received (each certificate summarised); chain verification against the trust source (CA file,
OS store or pins, CRL, weak-crypto policy); host name check; negotiated version, cipher suite, key exchange and ALPN;
client certificate sent and accepted; MQTT CONNECT/CONNACK with its reason code.
Each step is OK, FAILED (with reason and fix), skip or not reached. Exit status 0 when every step passed, 1 otherwise.

 --json : print the steps as JSON (id, status, details, kind, reason, fix).
 --timeout : seconds each of the TCP connect and the TLS/MQTT handshake may take. Defaults to 10.

""" + Common.SharedUsage.Text;
}
