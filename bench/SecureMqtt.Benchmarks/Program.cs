using BenchmarkDotNet.Running;

// Pick benchmarks on the command line, e.g. `--filter '*Ack*' --job short`; add `--inProcess` to avoid
// BenchmarkDotNet rebuilding the solution in its own directories.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
