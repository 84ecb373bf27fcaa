using System.Text.RegularExpressions;

namespace SecureMqtt.Cli.Tests;

/// <summary>-F fields for properties a message lacks (%A among them), and --pretty, against mosquitto_sub 2.0.11.</summary>
public sealed partial class SubBehaviourTests
{
    [Fact]
    public async Task Absent_properties_and_the_topic_alias_fill_their_field_width_as_in_mosquitto_sub()
    {
        // Mosquitto resolves a publisher's topic alias and sends subscribers the full topic, so %A is always absent;
        // mosquitto_sub still pads absent %A %E %F %S %C fields (with zeros under the 0 flag) and leaves %R empty.
        var (smqtt, mosquitto) = await CompareAsync(["-V", "mqttv5", "-D", "connect", "topic-alias-maximum", "10", "-C", "2",
            "-F", "[%A][%5A][%05A][%-3A][%5E][%05E][%5F][%-4S][%5C][%5R]|%t"], async topic =>
        {
            await MosquittoPubAsync("-V", "mqttv5", "-t", topic, "-m", "aliased", "-D", "publish", "topic-alias", "2");
            await MosquittoPubAsync("-V", "mqttv5", "-t", topic, "-m", "plain");
        });

        Assert.Equal(mosquitto, smqtt);
        Assert.StartsWith("[][     ][00000][   ][     ][00000][     ][    ][     ][]|", smqtt.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pretty_prints_j_and_J_as_mosquitto_sub_does()
    {
        const string json = "{\"a\":1,\"b\":[1,2.5,{\"c\":null},[]],\"d\":{},\"e\":\"x\\u00e9\\\"\\/\",\"f\":27.0,\"g\":1e20,\"h\":true,\"i\":-0.125,\"j\":0.1}";
        var (smqtt, mosquitto) = await CompareAsync(["-V", "mqttv5", "-q", "1", "-C", "3", "-F", "%j|%J", "--pretty"], async topic =>
        {
            await MosquittoPubAsync("-V", "mqttv5", "-t", topic, "-m", json, "-q", "1", "-D", "publish", "content-type", "application/json", "-D", "publish", "user-property", "k", "v");
            await MosquittoPubAsync("-t", topic, "-m", "[1, 2]");
            await MosquittoPubAsync("-t", topic, "-n");
        });

        Assert.Equal(PrettyTimestamp().Replace(mosquitto.Output, "T"), PrettyTimestamp().Replace(smqtt.Output, "T"));
        Assert.Equal(mosquitto.ExitCode, smqtt.ExitCode);
        Assert.Contains("\n\t\"payload\":\t{\n\t\t\"a\":\t1,\n\t\t\"b\":\t[1, 2.5, {\n", smqtt.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex("\"tst\":\t\"[^\"]*\"")]
    private static partial Regex PrettyTimestamp();
}
