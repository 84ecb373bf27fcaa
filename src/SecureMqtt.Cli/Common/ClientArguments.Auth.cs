using SecureMqtt.Authentication;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Common;

/// <summary>
/// MQTT 5 enhanced authentication on the command line: <c>--auth-method</c> / <c>--auth-data</c>, or mosquitto's
/// <c>-D connect authentication-method</c> / <c>authentication-data</c>. A command line cannot answer a broker's
/// challenges by hand, so only methods the client can run itself are accepted: SCRAM-SHA-256 and SCRAM-SHA-512,
/// with <c>-u</c> and <c>-P</c> as the SCRAM user name and password (which then never travel in CONNECT).
/// </summary>
internal sealed partial class ClientArguments
{
    /// <summary>The methods the tools can run, as MQTT Authentication Method names.</summary>
    public static readonly IReadOnlyList<string> SupportedAuthMethods = ["SCRAM-SHA-256", "SCRAM-SHA-512"];

    /// <summary>The Authentication Method, normalised to its registered spelling; null for none.</summary>
    public string? AuthMethod { get; private set; }

    /// <summary>--auth-data as given; only kept to be refused with a reason (SCRAM computes its own data).</summary>
    public string? AuthData { get; private set; }

    private bool TryParseAuth(string option, ArgumentCursor cursor)
    {
        switch (option)
        {
            case "--auth-method":
                AuthMethod = cursor.Value(option, "authentication method");
                return true;
            case "--auth-data":
                AuthData = cursor.Value(option, "authentication data");
                return true;
            default:
                return false;
        }
    }

    private void ValidateAuth()
    {
        foreach (var p in Properties.Where(p => p.Command == "connect"))
        {
            if (p.Name == "authentication-method")
            {
                AuthMethod = p.Value;
            }
            else if (p.Name == "authentication-data")
            {
                AuthData = p.Value;
            }
        }

        if (AuthMethod is null)
        {
            if (AuthData is not null)
            {
                throw new UsageException("Authentication data (--auth-data) given, but no authentication method (--auth-method) given.");
            }

            return;
        }

        var known = SupportedAuthMethods.FirstOrDefault(m => string.Equals(m, AuthMethod, StringComparison.OrdinalIgnoreCase));
        if (known is null)
        {
            throw new UsageException(
                $"Unsupported authentication method '{AuthMethod}': smqtt can run {string.Join(" and ", SupportedAuthMethods)} itself, with -u and -P as the SCRAM user name and password; other methods need an application that answers the broker's AUTH challenges.");
        }

        AuthMethod = known;
        if (Version != MqttProtocolVersion.V500)
        {
            throw new UsageException($"You must use MQTT v5 (-V mqttv5) to use enhanced authentication ({AuthMethod}).");
        }

        if (AuthData is not null)
        {
            throw new UsageException($"--auth-data cannot be used with {AuthMethod}: the SCRAM messages are computed from -u and -P, so there is no data to give.");
        }

        if (UserName is null || Password is null)
        {
            throw new UsageException($"{AuthMethod} needs -u and -P: they are the SCRAM user name and password.");
        }
    }

    /// <summary>The authenticator for <see cref="AuthMethod"/>, or null; the caller disposes it.</summary>
    public MqttScramAuthenticator? CreateAuthenticator()
    {
        if (AuthMethod is null)
        {
            return null;
        }

        try
        {
            return new MqttScramAuthenticator(AuthMethod == "SCRAM-SHA-512" ? MqttScramAlgorithm.Sha512 : MqttScramAlgorithm.Sha256, UserName!, Password!);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException($"{AuthMethod}: {ex.Message}", ex);
        }
    }
}
