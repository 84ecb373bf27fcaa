using SecureMqtt.Cli.Common;

namespace SecureMqtt.Cli.Doctor;

/// <summary>smqtt doctor's command line: pub's connection and TLS options, plus --json and --timeout.</summary>
internal sealed class DoctorArguments
{
    public ClientArguments Client { get; } = new("doctor");

    public bool Json { get; private set; }

    public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(10);

    public static DoctorArguments Parse(IReadOnlyList<string> tokens)
    {
        var result = new DoctorArguments();
        var cursor = new ArgumentCursor(tokens);
        while (cursor.TryNext(out var option))
        {
            switch (option)
            {
                case "--json":
                    result.Json = true;
                    break;
                case "--timeout":
                    result.Timeout = TimeSpan.FromSeconds(cursor.Seconds(option, "timeout"));
                    break;
                default:
                    if (!result.Client.TryParse(option, cursor))
                    {
                        throw new UsageException($"Unknown option '{option}'.");
                    }

                    break;
            }
        }

        result.Client.Validate();
        return result;
    }
}
