using System.Diagnostics;
using SecureMqtt.Engine;
using SecureMqtt.Packets;

namespace SecureMqtt.Tests;

/// <summary>
/// The W3C trace context in MQTT 5 user properties, without a broker: what is added, what is never replaced, and what
/// a receiver accepts. The end-to-end trace through Mosquitto is in the integration tests.
/// </summary>
public class TraceContextTests
{
    private static Activity Started(string? traceState = null)
    {
        var activity = new Activity("publish").SetIdFormat(ActivityIdFormat.W3C);
        activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        activity.TraceStateString = traceState;
        return activity.Start();
    }

    private static MqttMessage Message(params MqttUserProperty[] properties) => new() { Topic = "t", UserProperties = properties };

    [Fact]
    public void Traceparent_and_tracestate_are_added_after_the_application_s_properties()
    {
        using var activity = Started("vendor=1");
        var original = Message(new MqttUserProperty("site", "north"));

        var sent = MqttTracing.Inject(activity, original);

        Assert.Equal(
            [new("site", "north"), new("traceparent", $"00-{activity.TraceId}-{activity.SpanId}-01"), new("tracestate", "vendor=1")],
            sent.UserProperties);
        Assert.Equal([new("site", "north")], original.UserProperties);
    }

    [Theory]
    [InlineData("traceparent")]
    [InlineData("TraceParent")]
    public void A_message_with_its_own_traceparent_is_returned_unchanged(string name)
    {
        using var activity = Started("vendor=1");
        var own = Message(new MqttUserProperty(name, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));

        Assert.Same(own, MqttTracing.Inject(activity, own));
    }

    [Fact]
    public void A_tracestate_the_application_set_is_not_replaced()
    {
        using var activity = Started("vendor=1");

        var sent = MqttTracing.Inject(activity, Message(new MqttUserProperty("tracestate", "mine=2")));

        Assert.Equal("mine=2", Assert.Single(sent.UserProperties, p => p.Name == "tracestate").Value);
        Assert.Single(sent.UserProperties, p => p.Name == "traceparent");
    }

    [Fact]
    public void The_receiver_reads_back_the_context_the_sender_wrote()
    {
        using var activity = Started("vendor=1");

        var context = MqttTracing.Extract(MqttTracing.Inject(activity, Message()));

        Assert.Equal(activity.TraceId, context.TraceId);
        Assert.Equal(activity.SpanId, context.SpanId);
        Assert.Equal(ActivityTraceFlags.Recorded, context.TraceFlags);
        Assert.Equal("vendor=1", context.TraceState);
        Assert.True(context.IsRemote);
    }

    [Theory]
    [InlineData("not a traceparent")]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")]
    [InlineData("")]
    public void A_traceparent_that_does_not_parse_gives_no_parent(string value)
    {
        Assert.Equal(default, MqttTracing.Extract(Message(new MqttUserProperty("traceparent", value))));
    }

    [Fact]
    public void A_message_without_properties_gives_no_parent() => Assert.Equal(default, MqttTracing.Extract(Message()));
}
