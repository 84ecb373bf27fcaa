using System.Globalization;

namespace SecureMqtt.Packets.Tests.Fuzzing;

/// <summary>
/// Entry point for long fuzzing runs (scripts/fuzz.sh): <c>dotnet SecureMqtt.Packets.Tests.dll fuzz
/// [--iterations N] [--seed S] [--max-packet-size B]</c>. The test host never calls this; it runs the [Fact]s.
/// </summary>
public static class FuzzProgram
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] != "fuzz")
        {
            Console.Error.WriteLine("usage: SecureMqtt.Packets.Tests fuzz [--iterations N] [--seed S] [--max-packet-size B]");
            return 2;
        }

        long iterations = 10_000_000;
        var seed = Random.Shared.Next();
        uint maximumPacketSize = 2048;
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--iterations":
                    iterations = long.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--seed":
                    seed = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--max-packet-size":
                    maximumPacketSize = uint.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }

        Console.WriteLine($"seed {seed}, {iterations:N0} inputs, maximum packet size {maximumPacketSize}");
        var report = new DecoderFuzzer(seed, maximumPacketSize).Run(iterations);
        Console.Write(report.Summarize(maxCrashes: 100));
        return report.Crashes.Count == 0 ? 0 : 1;
    }
}
