using System.Collections.Concurrent;

namespace SecureMqtt.Tests.Hostile;

/// <summary>
/// Records every exception that escapes to the process (an unhandled exception on any thread, a faulted task
/// nobody observed) while a test runs, and fails the test if there was one. Disposal forces the collections
/// and finalizers that surface unobserved task exceptions.
/// </summary>
[Collection(HostileCollection.Name)]
public abstract class HostileTestBase : IDisposable
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly ConcurrentQueue<Exception> _escaped = new();

    protected HostileTestBase()
    {
        // Flush out what earlier tests (other classes, run before this collection) left for the finalizer, so
        // only this test's own escapes are counted.
        CollectGarbage();
        AppDomain.CurrentDomain.UnhandledException += OnUnhandled;
        TaskScheduler.UnobservedTaskException += OnUnobserved;
    }

    public void Dispose()
    {
        CollectGarbage();
        AppDomain.CurrentDomain.UnhandledException -= OnUnhandled;
        TaskScheduler.UnobservedTaskException -= OnUnobserved;
        GC.SuppressFinalize(this);
        Assert.True(_escaped.IsEmpty, "Exceptions escaped to the process:\n" + string.Join("\n---\n", _escaped));
    }

    private static void CollectGarbage()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    private void OnUnhandled(object? sender, UnhandledExceptionEventArgs e) => _escaped.Enqueue(e.ExceptionObject as Exception ?? new InvalidOperationException(e.ExceptionObject?.ToString()));

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e) => _escaped.Enqueue(e.Exception);
}
