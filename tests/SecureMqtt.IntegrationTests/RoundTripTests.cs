using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests;

[Collection(MosquittoFixture.CollectionName)]
public class RoundTripTests(MosquittoFixture fixture)
{
    public static TheoryData<Listener, MqttProtocolVersion, MqttQualityOfService> Cases()
    {
        var data = new TheoryData<Listener, MqttProtocolVersion, MqttQualityOfService>();
        foreach (var listener in Enum.GetValues<Listener>())
        {
            foreach (var version in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
            {
                foreach (var qos in Enum.GetValues<MqttQualityOfService>())
                {
                    data.Add(listener, version, qos);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_message_published_is_received_by_a_subscriber(Listener listener, MqttProtocolVersion version, MqttQualityOfService qos)
    {
        var topic = Broker.UniqueTopic($"{listener}/{version}/{qos}");
        await using var subscriber = await Broker.ConnectAsync(Broker.Options(fixture, listener, version));
        await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, listener, version));

        var subscribed = await subscriber.SubscribeAsync(topic, qos);
        Assert.Equal(qos, Assert.Single(subscribed.Items).GrantedQoS);

        var payload = System.Text.Encoding.UTF8.GetBytes($"hello {listener} {version} {qos}");
        var published = await publisher.PublishAsync(topic, payload, qos);
        Assert.Equal(MqttReasonCode.Success, published.ReasonCode);
        Assert.Equal(qos == MqttQualityOfService.AtMostOnce ? null : published.PacketId, published.PacketId);

        var received = await subscriber.NextMessageAsync();
        Assert.Equal(topic, received.Topic);
        Assert.Equal(payload, received.Payload.ToArray());
        Assert.Equal(qos, received.QualityOfService);
        Assert.False(received.Retain);
        if (listener != Listener.Plain)
        {
            Assert.NotNull(subscriber.TlsInfo);
            Assert.True(subscriber.TlsInfo!.ServerCertificateVerified);
        }
    }

    [Fact]
    public async Task Handlers_receive_messages_of_every_matching_subscription()
    {
        var root = Broker.UniqueTopic("handlers");
        await using var client = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        var plus = new TaskCompletionSource<MqttMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var hash = new TaskCompletionSource<MqttMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.SubscribeAsync($"{root}/+/temp", MqttQualityOfService.AtLeastOnce, (m, _) => { plus.TrySetResult(m); return ValueTask.CompletedTask; });
        await client.SubscribeAsync($"{root}/#", MqttQualityOfService.AtLeastOnce, (m, _) => { hash.TrySetResult(m); return ValueTask.CompletedTask; });

        await client.PublishAsync($"{root}/kitchen/temp", "21"u8.ToArray(), MqttQualityOfService.AtLeastOnce);

        Assert.Equal($"{root}/kitchen/temp", (await plus.Task.WaitAsync(Broker.Timeout)).Topic);
        Assert.Equal($"{root}/kitchen/temp", (await hash.Task.WaitAsync(Broker.Timeout)).Topic);
    }

    [Fact]
    public async Task Unsubscribed_filters_receive_nothing_more()
    {
        var topic = Broker.UniqueTopic("unsub");
        await using var client = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);
        var result = await client.UnsubscribeAsync(topic);
        Assert.Equal(MqttReasonCode.Success, Assert.Single(result.Items).ReasonCode);
        Assert.Equal(MqttReasonCode.NoSubscriptionExisted, Assert.Single((await client.UnsubscribeAsync(topic)).Items).ReasonCode);

        var marker = Broker.UniqueTopic("marker");
        await client.SubscribeAsync(marker, MqttQualityOfService.AtLeastOnce);
        await client.PublishAsync(topic, "x"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        await client.PublishAsync(marker, "m"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        Assert.Equal(marker, (await client.NextMessageAsync()).Topic);
    }
}
