using System.Globalization;
using Xunit.Abstractions;

namespace SecureMqtt.Packets.Tests.Fuzzing;

public class FuzzTests(ITestOutputHelper output)
{
    /// <summary>Fixed so CI is reproducible; scripts/fuzz.sh runs longer with random seeds.</summary>
    private const int CiSeed = 20_261_122;

    [Fact]
    public void Mutated_packets_only_ever_raise_MqttProtocolException()
    {
        var iterations = long.Parse(Environment.GetEnvironmentVariable("SECUREMQTT_FUZZ_ITERATIONS") ?? "1000000", CultureInfo.InvariantCulture);
        var seed = int.Parse(Environment.GetEnvironmentVariable("SECUREMQTT_FUZZ_SEED") ?? CiSeed.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

        var report = new DecoderFuzzer(seed).Run(iterations);

        output.WriteLine($"seed {seed}");
        output.WriteLine(report.Summarize());
        Assert.Empty(report.Crashes);
        Assert.Equal(iterations, report.Inputs);
        // The mutations must reach deep rules, not only the fixed header: otherwise the fuzzer tests little.
        Assert.True(report.PacketsDecoded > iterations / 20, $"only {report.PacketsDecoded} packets decoded");
        Assert.True(report.Rejections.Count >= 30, $"only {report.Rejections.Count} distinct rejections");
    }

    [Fact]
    public void Fuzzer_is_deterministic_for_a_seed()
    {
        var first = new DecoderFuzzer(7).Run(5_000);
        var second = new DecoderFuzzer(7).Run(5_000);

        Assert.Equal(first.PacketsDecoded, second.PacketsDecoded);
        Assert.Equal(first.Rejections.OrderBy(r => r.Key.ToString()), second.Rejections.OrderBy(r => r.Key.ToString()));
    }
}
