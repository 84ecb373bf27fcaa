using System.Text;

namespace SecureMqtt.Cli.Common;

/// <summary>
/// Standard streams of pub, sub and demo. Payloads are bytes, so standard output is a <see cref="Stream"/> (a
/// TextWriter would mangle binary payloads); tests pass memory streams and a pipe for standard input.
/// </summary>
internal sealed class CliStreams(Stream output, TextWriter error, Stream input, bool inputIsTerminal)
{
    private readonly Lock _lock = new();

    public Stream Output { get; } = output;

    public TextWriter Error { get; } = error;

    public Stream Input { get; } = input;

    /// <summary>Whether a passphrase may be asked for on the terminal.</summary>
    public bool InputIsTerminal { get; } = inputIsTerminal;

    /// <summary>How reports on standard output are drawn: plain unless stdout is a terminal (tests' streams never are).</summary>
    public ConsoleStyle Style { get; init; } = ConsoleStyle.Plain;

    /// <summary>Whether stderr is a terminal, where a progress line may be redrawn in place.</summary>
    public bool ErrorIsTerminal { get; init; }

    public static CliStreams FromConsole(TextWriter output, TextWriter error)
    {
        // System.CommandLine hands us writers; when they are the console's, write bytes straight to stdout.
        var stdout = ReferenceEquals(output, Console.Out) ? Console.OpenStandardOutput() : new TextWriterStream(output);
        return new CliStreams(stdout, error, Console.OpenStandardInput(), !Console.IsInputRedirected)
        {
            Style = ConsoleStyle.ForOutput(output),
            ErrorIsTerminal = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected,
        };
    }

    /// <summary>Writes <paramref name="bytes"/> to standard output and flushes, as mosquitto_sub does per message.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            Output.Write(bytes);
            Output.Flush();
        }
    }

    public void WriteLine(string text) => Write(Encoding.UTF8.GetBytes(text + "\n"));

    /// <summary>Adapts a TextWriter (a test's StringWriter) to the byte output; binary payloads become U+FFFD there.</summary>
    private sealed class TextWriterStream(TextWriter writer) : Stream
    {
        private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => writer.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var chars = new char[_decoder.GetCharCount(buffer, flush: false)];
            var n = _decoder.GetChars(buffer, chars, flush: false);
            writer.Write(chars, 0, n);
        }
    }
}
