using System.Diagnostics.CodeAnalysis;

// VSTHRD003 guards apps with a main-thread JoinableTaskFactory against deadlocks. This library has no such
// thread: every await uses ConfigureAwait(false), and the tasks it awaits are its own loops and the completion
// sources of in-flight packets, completed with RunContinuationsAsynchronously.
[assembly: SuppressMessage("Usage", "VSTHRD003:Avoid awaiting foreign Tasks", Justification = "Library without a main thread; see comment.", Scope = "namespaceanddescendants", Target = "~N:SecureMqtt")]
[assembly: SuppressMessage("Usage", "VSTHRD003:Avoid awaiting foreign Tasks", Justification = "Library without a main thread; see comment.", Scope = "namespaceanddescendants", Target = "~N:SecureMqtt.Session")]
[assembly: SuppressMessage("Usage", "VSTHRD003:Avoid awaiting foreign Tasks", Justification = "Library without a main thread; see comment.", Scope = "namespaceanddescendants", Target = "~N:SecureMqtt.Engine")]
