using System.CommandLine;

namespace SecureMqtt.Cli.Certs;

/// <summary><c>smqtt certs</c>: everything TLS needs, one command per step.</summary>
internal static class CertsCommand
{
    public static Command Create() => new("certs", "Create, inspect and revoke the CA, broker and device certificates that MQTT over TLS needs")
    {
        CaCommand.Create(),
        ServerCommand.Create(),
        ClientCommand.Create(),
        InspectCommand.Create(),
        RevokeCommand.Create(),
        MosquittoConfCommand.Create(),
    };
}
