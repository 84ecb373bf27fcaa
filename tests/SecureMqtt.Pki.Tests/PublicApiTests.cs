using System.Reflection;

namespace SecureMqtt.Pki.Tests;

/// <summary>
/// Pins the public surface of SecureMqtt.Pki so a change to it is a deliberate edit of PublicApi.Pki.txt
/// (the feed has no PublicApiAnalyzers). On failure the message holds the new listing to paste.
/// </summary>
public sealed class PublicApiTests
{
    [Fact]
    public void Public_api_of_the_pki_library_is_unchanged()
    {
        var expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "PublicApi.Pki.txt")).ReplaceLineEndings("\n").Trim();

        var actual = Describe(typeof(CertificateAuthority).Assembly);

        Assert.True(expected == actual, $"The public API changed. If intended, replace PublicApi.Pki.txt with:\n{actual}");
    }

    private static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var kind = type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : "class";
            lines.Add($"{kind} {type.FullName}");
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            lines.AddRange(type.GetMembers(flags)
                .Where(m => m is not MethodInfo { IsSpecialName: true } && !(type.IsEnum && m.Name == "value__"))
                .Select(m => "  " + (m is FieldInfo { IsLiteral: true } f && !type.IsEnum ? $"const {f.FieldType.Name} {f.Name}" : m.ToString()))
                .Order(StringComparer.Ordinal));
        }

        return string.Join("\n", lines);
    }
}
