using System.Reflection;
using System.Runtime.CompilerServices;

namespace SecureMqtt.Packets.Tests;

/// <summary>
/// Pins the codec's public surface (docs/codec-contract): the client codes against these names, so a change here
/// must be deliberate. When it is, run this test once with SECUREMQTT_ACCEPT_API=1 to rewrite PublicApi.approved.txt.
/// </summary>
public class PublicApiTests
{
    [Fact]
    public void Public_surface_matches_the_approved_contract()
    {
        var approvedPath = Path.Combine(AppContext.BaseDirectory, "PublicApi.approved.txt");
        var approved = File.ReadAllText(approvedPath).ReplaceLineEndings("\n").Trim();

        var actual = Describe(typeof(MqttPacket).Assembly);
        if (Environment.GetEnvironmentVariable("SECUREMQTT_ACCEPT_API") == "1")
        {
            File.WriteAllText(Path.Combine(SourceDirectory(), "PublicApi.approved.txt"), actual + "\n");
            approved = actual;
        }

        Assert.Equal(approved, actual);
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            lines.Add(type.FullName!);
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var members = type.GetMembers(flags)
                .Where(m => m is not MethodInfo { IsSpecialName: true } || m.Name.StartsWith("op_", StringComparison.Ordinal))
                .Where(m => !(type.IsEnum && m.Name == "value__"))
                .Select(m => "  " + m.MemberType + " " + m)
                .OrderBy(s => s, StringComparer.Ordinal);
            lines.AddRange(members);
        }

        return string.Join("\n", lines);
    }
}
