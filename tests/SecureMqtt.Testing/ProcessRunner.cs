using System.Diagnostics;
using System.Text;

namespace SecureMqtt.Testing;

/// <summary>The outcome of a finished process.</summary>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="StandardOutput">Everything it wrote to stdout.</param>
/// <param name="StandardError">Everything it wrote to stderr.</param>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <inheritdoc />
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}

/// <summary>Runs command-line tools (openssl, mosquitto_pub, mosquitto_sub) with a deadline.</summary>
public static class ProcessRunner
{
    /// <summary>Runs <paramref name="fileName"/> to completion, killing it if it outlives <paramref name="timeout"/>.</summary>
    /// <param name="fileName">The program.</param>
    /// <param name="arguments">Its arguments, unquoted.</param>
    /// <param name="timeout">Deadline; default 30 s.</param>
    /// <param name="standardInput">Text written to stdin, which is then closed.</param>
    /// <param name="environment">Variables to set (a null value removes the variable) on top of this process's environment.</param>
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null, string? standardInput = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var process = Start(fileName, arguments, out var stdout, out var stderr, environment: environment);
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }

        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in time.\n{stdout}\n{stderr}");
        }

        process.WaitForExit();
        return new ProcessResult(process.ExitCode, Read(stdout), Read(stderr));
    }

    /// <summary>Starts a process whose output is collected line by line; each line is also passed to <paramref name="onLine"/>.</summary>
    /// <param name="fileName">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="stdout">Collected stdout (lock it to read while the process runs).</param>
    /// <param name="stderr">Collected stderr.</param>
    /// <param name="onLine">Called with every line of stdout and stderr.</param>
    /// <param name="environment">Variables to set (a null value removes the variable) on top of this process's environment.</param>
    public static Process Start(string fileName, IEnumerable<string> arguments, out StringBuilder stdout, out StringBuilder stderr, Action<string>? onLine = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = startInfo };
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data, onLine);
        process.ErrorDataReceived += (_, e) => Append(error, e.Data, onLine);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        stdout = output;
        stderr = error;
        return process;
    }

    private static void Append(StringBuilder target, string? line, Action<string>? onLine)
    {
        if (line is null)
        {
            return;
        }

        lock (target)
        {
            target.AppendLine(line);
        }

        onLine?.Invoke(line);
    }

    private static string Read(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }
}
