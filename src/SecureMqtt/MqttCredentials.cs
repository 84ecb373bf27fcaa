namespace SecureMqtt;

/// <summary>User name and password sent in CONNECT. The password never appears in <see cref="ToString"/> or logs.</summary>
/// <param name="UserName">The user name.</param>
/// <param name="Password">The password, or null to send only a user name.</param>
public sealed record MqttCredentials(string UserName, string? Password = null)
{
    /// <summary>Describes the credentials without the password.</summary>
    /// <returns>A description that is safe to log.</returns>
    public override string ToString() => $"MqttCredentials {{ UserName = {UserName}, Password = {(Password is null ? "null" : "***")} }}";
}
