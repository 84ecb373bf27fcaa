using System.Diagnostics;
using SecureMqtt.Packets;

namespace SecureMqtt.Engine;

/// <summary>
/// The spans of the ActivitySource "SecureMqtt" and the W3C trace context that crosses the broker in MQTT 5 user
/// properties, named and tagged after OpenTelemetry's messaging semantic conventions. Callers start spans only when
/// the source has listeners; tags are set only on spans that record data.
/// </summary>
internal static class MqttTracing
{
    public const string TraceParent = "traceparent";

    public const string TraceState = "tracestate";

    private static ActivitySource Source => MqttMetrics.ActivitySource;

    /// <summary>The connect span: TCP (or proxy), TLS, CONNECT and CONNACK of one attempt.</summary>
    public static Activity? StartConnect(MqttEndpoint endpoint, MqttProtocolVersion version, string clientId)
    {
        var activity = Source.StartActivity("connect", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.DisplayName = $"connect {endpoint.Host}:{endpoint.Port}";
            activity.SetTag("messaging.system", "mqtt");
            activity.SetTag("server.address", endpoint.Host);
            activity.SetTag("server.port", endpoint.Port);
            activity.SetTag("network.protocol.name", "mqtt");
            activity.SetTag("network.protocol.version", MqttMetrics.ProtocolVersion(version));
            activity.SetTag("messaging.client.id", clientId.Length > 0 ? clientId : null);
            activity.SetTag("mqtt.tls", endpoint.UseTls);
        }

        return activity;
    }

    /// <summary>The producer span of one publish, from the call to its acknowledgement (QoS 1/2) or to the write (QoS 0).</summary>
    public static Activity? StartPublish(MqttMessage message, MqttEndpoint? endpoint)
    {
        var activity = Source.StartActivity("publish", ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            // "{operation} {destination}": the topic is the destination; the span name is not a metric attribute,
            // so a topic per device does not multiply time series here.
            activity.DisplayName = "publish " + message.Topic;
            SetMessageTags(activity, message, endpoint, "publish", "send");
            activity.SetTag("mqtt.retain", message.Retain);
        }

        return activity;
    }

    /// <summary>
    /// The consumer span around the application's handlers for one received message, a child of the producer span
    /// whose context came in the message's user properties (a root span when none came).
    /// </summary>
    public static Activity? StartProcess(MqttMessage message, MqttEndpoint? endpoint)
    {
        var parent = Extract(message);
        var activity = Source.StartActivity("process", ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.DisplayName = "process " + message.Topic;
            SetMessageTags(activity, message, endpoint, "process", "process");
        }

        return activity;
    }

    /// <summary>No handler took the message: it went to ReadMessagesAsync, so the span only covers the hand-over.</summary>
    public static void MarkReceived(Activity? activity, string topic)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.DisplayName = "receive " + topic;
            activity.SetTag("messaging.operation.name", "receive");
            activity.SetTag("messaging.operation.type", "receive");
        }
    }

    /// <summary>Marks a span failed; false, so that it can sit in an exception filter and leave the exception alone.</summary>
    public static bool Fail(Activity? activity, Exception error)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
            activity.SetTag("error.type", MqttMetrics.ErrorType(error));
        }

        return false;
    }

    /// <summary>A publish the broker answered with a failing reason code (PUBACK/PUBREC 0x80 and above).</summary>
    public static void Complete(Activity? activity, MqttPublishResult result)
    {
        if (activity is { IsAllDataRequested: true })
        {
            if (result.PacketId is { } id)
            {
                activity.SetTag("mqtt.packet.id", (int)id);
            }

            if ((byte)result.ReasonCode >= 0x80)
            {
                activity.SetStatus(ActivityStatusCode.Error, result.ReasonString ?? result.ReasonCode.ToString());
                activity.SetTag("error.type", result.ReasonCode.ToString());
            }
        }
    }

    /// <summary>
    /// The message with the span's W3C trace context added to its user properties (traceparent, and tracestate when
    /// there is one), for a recorded span under MQTT 5. A message whose application already set a traceparent keeps
    /// its own: the application's context wins, and nothing it set is ever replaced.
    /// </summary>
    public static MqttMessage Inject(Activity activity, MqttMessage message)
    {
        var properties = message.UserProperties;
        if (IndexOf(properties, TraceParent) >= 0)
        {
            return message;
        }

        var carrier = new List<MqttUserProperty>(properties.Count + 2);
        carrier.AddRange(properties);
        DistributedContextPropagator.Current.Inject(activity, carrier, static (state, name, value) =>
        {
            var list = (List<MqttUserProperty>)state!;
            if (value is not null && IndexOf(list, name) < 0)
            {
                list.Add(new MqttUserProperty(name, value));
            }
        });
        return carrier.Count == properties.Count ? message : message with { UserProperties = carrier };
    }

    /// <summary>The remote context a producer sent in traceparent/tracestate, or default when there is none or it does not parse.</summary>
    public static ActivityContext Extract(MqttMessage message)
    {
        if (message.UserProperties.Count == 0)
        {
            return default;
        }

        DistributedContextPropagator.Current.ExtractTraceIdAndState(message.UserProperties, static (object? state, string name, out string? value, out IEnumerable<string>? values) =>
        {
            values = null;
            var properties = (IReadOnlyList<MqttUserProperty>)state!;
            var index = IndexOf(properties, name);
            value = index < 0 ? null : properties[index].Value;
        }, out var traceParent, out var traceState);
        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
    }

    private static void SetMessageTags(Activity activity, MqttMessage message, MqttEndpoint? endpoint, string operation, string operationType)
    {
        activity.SetTag("messaging.system", "mqtt");
        activity.SetTag("messaging.operation.name", operation);
        activity.SetTag("messaging.operation.type", operationType);
        activity.SetTag("messaging.destination.name", message.Topic);
        activity.SetTag("messaging.message.body.size", message.Payload.Length);
        activity.SetTag("mqtt.qos", (int)message.QualityOfService);
        if (endpoint is not null)
        {
            activity.SetTag("server.address", endpoint.Host);
            activity.SetTag("server.port", endpoint.Port);
        }
    }

    // Header names are case-insensitive in W3C Trace Context; user property names are not in MQTT, so a producer
    // that wrote "TraceParent" is still taken to have set its own.
    private static int IndexOf(IReadOnlyList<MqttUserProperty> properties, string name)
    {
        for (var i = 0; i < properties.Count; i++)
        {
            if (string.Equals(properties[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
