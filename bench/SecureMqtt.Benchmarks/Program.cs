using BenchmarkDotNet.Running;
using SecureMqtt.Benchmarks.EndToEnd;

// `e2e [options]` runs the end-to-end bench against a real Mosquitto (see docs/performance.md), `handshake` times
// full and resumed TLS connects (docs/tls.md); anything else goes to BenchmarkDotNet: the codec benchmarks and
// ClientPublishBenchmarks (the client's bytes per publish), e.g. `--filter '*Ack*' --job short`; add `--inProcess`
// to avoid BenchmarkDotNet rebuilding the solution in its own directories.
if (args is ["e2e", ..])
{
    return await EndToEndBench.RunAsync(args[1..]);
}

if (args is ["handshake", ..])
{
    return await HandshakeBench.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
