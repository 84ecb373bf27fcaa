using SecureMqtt.Packets;
using SecureMqtt.Session;

namespace SecureMqtt.Tests;

public class InMemorySessionStoreTests
{
    private static MqttOutgoingFlight Flight(ushort id, MqttOutgoingFlightState state = MqttOutgoingFlightState.AwaitingPubAck) =>
        new(id, new MqttMessage { Topic = $"t/{id}", QualityOfService = MqttQualityOfService.AtLeastOnce }, state);

    [Fact]
    public async Task Outgoing_flights_load_in_the_order_they_were_first_saved_across_updates_and_removals()
    {
        var store = new MqttInMemorySessionStore();
        foreach (ushort id in new ushort[] { 7, 3, 9, 1 })
        {
            await store.SaveOutgoingAsync("c", Flight(id));
        }

        // An update (QoS 2 moving past PUBREC) keeps the flight's place; a removed id saved again goes last.
        await store.SaveOutgoingAsync("c", Flight(3, MqttOutgoingFlightState.AwaitingPubComp));
        await store.RemoveOutgoingAsync("c", 9);
        await store.RemoveOutgoingAsync("c", 7);
        await store.SaveOutgoingAsync("c", Flight(7));

        var loaded = await store.LoadOutgoingAsync("c");

        Assert.Equal(new ushort[] { 3, 1, 7 }, loaded.Select(f => f.PacketId));
        Assert.Equal(MqttOutgoingFlightState.AwaitingPubComp, loaded[0].State);
    }

    [Fact]
    public async Task Sessions_of_different_client_ids_are_kept_apart()
    {
        var store = new MqttInMemorySessionStore();
        await store.SaveOutgoingAsync("a", Flight(1));
        await store.SaveOutgoingAsync("b", Flight(2));
        await store.ClearAsync("a");

        Assert.Empty(await store.LoadOutgoingAsync("a"));
        Assert.Equal(2, Assert.Single(await store.LoadOutgoingAsync("b")).PacketId);
    }
}
