using System.Diagnostics.CodeAnalysis;

// VSTHRD003 guards apps with a main-thread JoinableTaskFactory against deadlocks. This library has no main thread:
// the tasks it awaits are its own writer's, completed on pool threads with continuations run asynchronously.
[assembly: SuppressMessage("Usage", "VSTHRD003:Avoid awaiting foreign Tasks", Justification = "Library without a main thread; see comment.", Scope = "namespaceanddescendants", Target = "~N:SecureMqtt.Sqlite")]
