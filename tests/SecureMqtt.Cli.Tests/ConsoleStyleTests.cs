using SecureMqtt.Cli.Common;

namespace SecureMqtt.Cli.Tests;

/// <summary>When doctor, certs inspect and demo may colour: on a terminal, and only while NO_COLOR is unset or empty.</summary>
public sealed class ConsoleStyleTests
{
    [Fact]
    public void Redirected_output_is_plain_whatever_NO_COLOR_says()
    {
        Assert.Equal(ConsoleStyle.Plain, ConsoleStyle.ForTerminal(isTerminal: false, noColor: null));
        Assert.Equal(ConsoleStyle.Plain, ConsoleStyle.ForTerminal(isTerminal: false, noColor: "1"));
        Assert.False(ConsoleStyle.Plain.Colour);
        Assert.False(ConsoleStyle.Plain.Unicode);
    }

    [Fact]
    public void A_terminal_gets_colour_unless_NO_COLOR_is_set_to_a_non_empty_value()
    {
        Assert.True(ConsoleStyle.ForTerminal(isTerminal: true, noColor: null).Colour);
        Assert.True(ConsoleStyle.ForTerminal(isTerminal: true, noColor: string.Empty).Colour);
        var noColor = ConsoleStyle.ForTerminal(isTerminal: true, noColor: "1");
        Assert.False(noColor.Colour);
        Assert.True(noColor.Unicode);
    }

    [Fact]
    public void A_Console_Out_that_a_test_runner_redirected_is_not_a_terminal()
    {
        // The test host's stdout is a pipe: ForOutput must not take it for a terminal, nor any other writer.
        Assert.Equal(ConsoleStyle.Plain, ConsoleStyle.ForOutput(new StringWriter()));
        if (Console.IsOutputRedirected)
        {
            Assert.Equal(ConsoleStyle.Plain, ConsoleStyle.ForOutput(Console.Out));
        }
    }
}
