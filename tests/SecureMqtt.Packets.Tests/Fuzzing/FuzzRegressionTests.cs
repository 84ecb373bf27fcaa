namespace SecureMqtt.Packets.Tests.Fuzzing;

/// <summary>
/// Inputs that once crashed the decoder (or nearly did) under the fuzzer, replayed exactly as it fed them. Add a
/// row for every crash scripts/fuzz.sh reports: the hex it prints, the version and the segment count.
/// </summary>
public class FuzzRegressionTests
{
    [Theory]
    // A fixed header that declares the protocol maximum and stops.
    [InlineData("30FFFFFF7F", MqttProtocolVersion.V500, 1)]
    // Remaining Length bytes split one per segment, then a body shorter than declared.
    [InlineData("3280800100", MqttProtocolVersion.V311, 5)]
    // A property block whose length covers a truncated string pair.
    [InlineData("300C00017407260001", MqttProtocolVersion.V500, 3)]
    // Two packets back to back, the second cut inside its property length.
    [InlineData("40020001500400020080", MqttProtocolVersion.V500, 4)]
    // Type nibble rewritten to AUTH on a 3.1.1 connection with a body.
    [InlineData("F0021800", MqttProtocolVersion.V311, 2)]
    public void Replayed_fuzzer_input_only_raises_protocol_errors(string hex, MqttProtocolVersion version, int segments)
    {
        var input = Convert.FromHexString(hex);

        var ex = Record.Exception(() => DecoderFuzzer.FeedOnce(input, version, 2048, segments));

        Assert.Null(ex);
    }
}
