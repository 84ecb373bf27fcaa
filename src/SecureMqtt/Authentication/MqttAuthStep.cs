namespace SecureMqtt.Authentication;

/// <summary>The client's answer to one AUTH challenge: what goes into its AUTH packet with reason code 0x18.</summary>
public sealed class MqttAuthStep
{
    /// <summary>Creates the step.</summary>
    /// <param name="data">The Authentication Data to send, or null to send none.</param>
    public MqttAuthStep(ReadOnlyMemory<byte>? data)
    {
        Data = data;
    }

    /// <summary>The Authentication Data of the client's AUTH packet; null when it carries none.</summary>
    public ReadOnlyMemory<byte>? Data { get; }
}
