using SecureMqtt.Cli;
using SecureMqtt.Testing;

namespace SecureMqtt.Pki.Tests;

/// <summary>Runs the smqtt CLI in-process with captured output.</summary>
internal static class Smqtt
{
    public static async Task<ProcessResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await SmqttCli.InvokeAsync(args, output, error);
        return new ProcessResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs a command that must succeed and returns its output.</summary>
    public static async Task<ProcessResult> SucceedAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"smqtt {string.Join(' ', args)} failed: {result}");
        return result;
    }
}

/// <summary>A temporary directory deleted after the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("smqtt-pki-").FullName;

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class OpenSsl
{
    public static Task<ProcessResult> RunAsync(params string[] args) => ProcessRunner.RunAsync("openssl", args);

    public static async Task<string> TextAsync(string certificatePath)
    {
        var result = await RunAsync("x509", "-in", certificatePath, "-text", "-noout");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput;
    }
}
