namespace SecureMqtt.Sqlite.Tests;

/// <summary>A fresh directory per test for store files, removed afterwards.</summary>
public sealed class StoreFiles : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("sqlite-store-").FullName;

    public string PathOf(string name) => System.IO.Path.Combine(Directory, name);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A store a failing test left open; the temp directory is cleaned by the OS.
        }
    }
}
