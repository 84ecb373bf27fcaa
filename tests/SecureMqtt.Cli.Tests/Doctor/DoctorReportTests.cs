using System.Text;
using SecureMqtt.Cli.Common;
using SecureMqtt.Cli.Doctor;

namespace SecureMqtt.Cli.Tests.Doctor;

/// <summary>The doctor report's text form drawn from fixed steps: plain when redirected or under NO_COLOR, coloured on a terminal.</summary>
public sealed class DoctorReportTests
{
    [Fact]
    public void Redirected_report_is_a_tree_with_ASCII_guides_and_no_escape_sequences()
    {
        var text = Report(ConsoleStyle.Plain);

        Assert.Equal(
            """
            smqtt doctor: broker.example:8883 (TLS, MQTT 5.0)
            |-- [  OK  ] 1. TCP connect
            |   `-- connected to broker.example:8883 in 3 ms
            |-- [FAILED] 2. Chain verification
            |   |-- trust source: the CA file ca.crt
            |   |-- reason: The broker's certificate 'CN=[0] broker' was issued by 'CN=Other CA', which is not trusted.
            |   `-- fix: Pass --cafile with the CA that issued the broker's certificate.
            |-- [ skip ] 3. Client certificate
            |   `-- TLS-PSK: no certificates
            `-- [  --  ] 4. MQTT CONNECT / CONNACK: not reached
            Result: FAILED at step 2 (Chain verification, UntrustedIssuer).

            """.ReplaceLineEndings("\n"), text);
        Assert.DoesNotContain('\u001b', text);
        Assert.All(text, c => Assert.True(c < 0x80, $"U+{(int)c:X4} is not ASCII"));
    }

    [Fact]
    public void A_terminal_gets_colour_and_NO_COLOR_takes_it_away()
    {
        var coloured = Report(ConsoleStyle.ForTerminal(isTerminal: true, noColor: null));
        var noColour = Report(ConsoleStyle.ForTerminal(isTerminal: true, noColor: "1"));

        Assert.Contains("\u001b[", coloured, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', noColour);
        Assert.Contains("[FAILED] 2. Chain verification", noColour, StringComparison.Ordinal);
        Assert.Contains("fix: Pass --cafile", noColour, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_lines_are_not_wrapped_when_redirected()
    {
        var reason = string.Join(' ', Enumerable.Repeat("word", 200));
        var steps = new[] { new DoctorStep("tcp", "TCP connect").Fail(reason, "fix it", "Refused") };

        var text = Render(ConsoleStyle.Plain, steps);

        Assert.Contains($"|-- reason: {reason}\n", text, StringComparison.Ordinal);
    }

    private static string Report(ConsoleStyle style)
    {
        var steps = new[]
        {
            new DoctorStep("tcp", "TCP connect").Ok("connected to broker.example:8883 in 3 ms"),
            new DoctorStep("chain-verification", "Chain verification").Fail(
                "The broker's certificate 'CN=[0] broker' was issued by 'CN=Other CA', which is not trusted.",
                "Pass --cafile with the CA that issued the broker's certificate.", "UntrustedIssuer"),
            new DoctorStep("client-certificate", "Client certificate") { Status = StepStatus.Skipped },
            new DoctorStep("mqtt-connect", "MQTT CONNECT / CONNACK"),
        };
        steps[1].Details.Add("trust source: the CA file ca.crt");
        steps[2].Details.Add("TLS-PSK: no certificates");
        return Render(style, steps);
    }

    private static string Render(ConsoleStyle style, DoctorStep[] steps)
    {
        var output = new MemoryStream();
        var streams = new CliStreams(output, new StringWriter(), new MemoryStream(), inputIsTerminal: false) { Style = style };
        DoctorReport.WriteText(streams, "broker.example:8883 (TLS, MQTT 5.0)", steps);
        return Encoding.UTF8.GetString(output.ToArray());
    }
}
