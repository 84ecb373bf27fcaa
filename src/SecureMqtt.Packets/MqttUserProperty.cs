namespace SecureMqtt.Packets;

/// <summary>An MQTT 5 User Property: an application-defined name/value pair of UTF-8 strings. Order and duplicates are preserved.</summary>
/// <param name="Name">The property name.</param>
/// <param name="Value">The property value.</param>
public readonly record struct MqttUserProperty(string Name, string Value);
