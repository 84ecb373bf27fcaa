using Microsoft.Data.Sqlite;
using SecureMqtt.Packets;
using SecureMqtt.Session;

namespace SecureMqtt.Sqlite.Tests;

public sealed class StoreFailureTests : IDisposable
{
    private readonly StoreFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static MqttMessage Message(int i) => new() { Topic = "t", QualityOfService = MqttQualityOfService.AtLeastOnce, Payload = new byte[200 + i] };

    private async Task<MqttSessionStoreException> OpenFailsAsync(string path)
    {
        var error = await Assert.ThrowsAsync<MqttSessionStoreException>(() => MqttSqliteSessionStore.OpenAsync(new MqttSqliteSessionStoreOptions { Path = path }));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.Path);
        return error;
    }

    [Fact]
    public async Task A_second_store_over_a_held_file_fails_as_locked_and_opens_once_the_first_is_closed()
    {
        var path = _files.PathOf("held.db");
        var first = await MqttSqliteSessionStore.OpenAsync(new MqttSqliteSessionStoreOptions { Path = path });
        var error = await OpenFailsAsync(path);
        Assert.Equal(MqttSessionStoreFailureKind.Locked, error.Kind);
        Assert.True(error.IsTransient);

        await first.DisposeAsync();
        await using var second = await MqttSqliteSessionStore.OpenAsync(new MqttSqliteSessionStoreOptions { Path = path });
        Assert.Empty(await second.LoadOutgoingAsync("c"));
    }

    [Fact]
    public async Task A_file_held_by_another_process_fails_as_locked()
    {
        var path = _files.PathOf("other-process.db");
        await using (var created = await MqttSqliteSessionStore.OpenAsync(new MqttSqliteSessionStoreOptions { Path = path }))
        {
        }

        // flock(1) holds the same kind of lock the store takes, from a process of its own, until its stdin closes.
        var holder = new System.Diagnostics.Process
        {
            StartInfo = new("flock", ["-x", path + ".lock", "cat"]) { RedirectStandardInput = true, RedirectStandardOutput = true },
        };
        holder.Start();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            MqttSessionStoreException? error = null;
            while (error is null)
            {
                // flock takes the lock just after it starts: wait for it by trying, not by sleeping a guess.
                try
                {
                    await using var store = await MqttSqliteSessionStore.OpenAsync(new MqttSqliteSessionStoreOptions { Path = path }, timeout.Token);
                }
                catch (MqttSessionStoreException ex)
                {
                    error = ex;
                }

                await Task.Yield();
                timeout.Token.ThrowIfCancellationRequested();
            }

            Assert.Equal(MqttSessionStoreFailureKind.Locked, error.Kind);
        }
        finally
        {
            holder.StandardInput.Close();
            await holder.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_refused_as_not_a_session_store()
    {
        var path = _files.PathOf("text.db");
        await File.WriteAllTextAsync(path, new string('x', 8192));
        Assert.Equal(MqttSessionStoreFailureKind.NotASessionStore, (await OpenFailsAsync(path)).Kind);
        Assert.Equal(new string('x', 8192), await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task An_sqlite_database_of_another_application_is_refused_as_not_a_session_store()
    {
        var path = _files.PathOf("foreign.db");
        CreateDatabase(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
        Assert.Equal(MqttSessionStoreFailureKind.NotASessionStore, (await OpenFailsAsync(path)).Kind);
    }

    [Fact]
    public async Task A_store_with_a_newer_schema_is_refused_with_both_versions_named()
    {
        var path = _files.PathOf("newer.db");
        await using (var store = await MqttSqliteSessionStore.OpenAsync(new MqttSqliteSessionStoreOptions { Path = path }))
        {
        }

        CreateDatabase(path, "PRAGMA user_version = 7");
        var error = await OpenFailsAsync(path);
        Assert.Equal(MqttSessionStoreFailureKind.NewerSchema, error.Kind);
        Assert.Contains("version 7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_disk_fails_the_save_with_a_typed_error_and_keeps_what_was_stored()
    {
        var path = _files.PathOf("full.db");
        var options = new MqttSqliteSessionStoreOptions { Path = path, MaximumPageCount = 12 };
        await using var store = await MqttSqliteSessionStore.OpenAsync(options);
        MqttSessionStoreException? error = null;
        var saved = 0;
        for (var i = 1; i < 2000 && error is null; i++)
        {
            try
            {
                await store.SaveOutgoingAsync("c", new MqttOutgoingFlight((ushort)i, Message(i), MqttOutgoingFlightState.AwaitingPubAck));
                saved++;
            }
            catch (MqttSessionStoreException ex)
            {
                error = ex;
            }
        }

        Assert.NotNull(error);
        Assert.Equal(MqttSessionStoreFailureKind.DiskFull, error.Kind);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.True(saved > 0);
        Assert.Equal(saved, (await store.LoadOutgoingAsync("c")).Count);

        // Space again (a removal frees pages): saving works again.
        for (ushort id = 1; id <= saved; id++)
        {
            await store.RemoveOutgoingAsync("c", id);
        }

        await store.SaveOutgoingAsync("c", new MqttOutgoingFlight(1, Message(1), MqttOutgoingFlightState.AwaitingPubAck));
        Assert.Single(await store.LoadOutgoingAsync("c"));
    }

    [Fact]
    public async Task A_directory_that_cannot_be_written_fails_as_read_only()
    {
        var directory = _files.PathOf("locked-dir");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "store.db");
        if (Environment.UserName == "root")
        {
            // Root ignores permission bits: a read-only bind mount of the directory is what stops root.
            if (!await RunAsync("mount", "--bind", directory, directory))
            {
                // No mount privilege (an unprivileged container): the mapping of SQLite's read-only error is what is left to check.
                var mapped = Schema.Map(new SqliteException("attempt to write a readonly database", 8), path, "writing");
                Assert.Equal(MqttSessionStoreFailureKind.ReadOnly, mapped.Kind);
                return;
            }

            try
            {
                Assert.True(await RunAsync("mount", "-o", "remount,bind,ro", directory));
                Assert.Equal(MqttSessionStoreFailureKind.ReadOnly, (await OpenFailsAsync(path)).Kind);
            }
            finally
            {
                await RunAsync("umount", directory);
            }
        }
        else if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            Assert.Equal(MqttSessionStoreFailureKind.ReadOnly, (await OpenFailsAsync(path)).Kind);
        }
    }

    private static async Task<bool> RunAsync(string file, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0;
    }

    [Fact]
    public async Task A_torn_or_corrupted_file_gives_a_clear_error_or_a_recovered_store_never_anything_else()
    {
        var outcomes = new List<string>();
        foreach (var damage in new[] { "truncate-half", "truncate-page", "garbage-middle", "garbage-header", "torn-wal" })
        {
            var path = _files.PathOf(damage + ".db");
            await using (var store = await MqttSqliteSessionStore.OpenAsync(new MqttSqliteSessionStoreOptions { Path = path }))
            {
                for (var i = 1; i <= 300; i++)
                {
                    await store.SaveOutgoingAsync("c", new MqttOutgoingFlight((ushort)i, Message(i), MqttOutgoingFlightState.AwaitingPubAck));
                }
            }

            Damage(path, damage);
            try
            {
                await using var reopened = await MqttSqliteSessionStore.OpenAsync(new MqttSqliteSessionStoreOptions { Path = path });
                var flights = await reopened.LoadOutgoingAsync("c");
                outcomes.Add($"{damage}: recovered {flights.Count}");
            }
            catch (MqttSessionStoreException ex) when (ex.Kind is MqttSessionStoreFailureKind.Corrupt or MqttSessionStoreFailureKind.NotASessionStore)
            {
                Assert.Contains(path, ex.Message, StringComparison.Ordinal);
                outcomes.Add($"{damage}: {ex.Kind}");
            }
        }

        // Overwriting the header cannot be mistaken for a good store; a torn WAL is SQLite's own business to recover.
        Assert.Contains("garbage-header: NotASessionStore", outcomes);
        Assert.Contains(outcomes, o => o.StartsWith("torn-wal: recovered", StringComparison.Ordinal));
    }

    private static void Damage(string path, string how)
    {
        var length = new FileInfo(path).Length;
        switch (how)
        {
            case "truncate-half":
                using (var f = File.Open(path, FileMode.Open))
                {
                    f.SetLength(length / 2);
                }

                break;
            case "truncate-page":
                using (var f = File.Open(path, FileMode.Open))
                {
                    f.SetLength(length - 4096 - 100);
                }

                break;
            case "garbage-middle":
                using (var f = File.Open(path, FileMode.Open))
                {
                    f.Position = length / 2;
                    f.Write(Enumerable.Repeat((byte)0xA5, 8192).ToArray());
                }

                break;
            case "garbage-header":
                using (var f = File.Open(path, FileMode.Open))
                {
                    f.Write(Enumerable.Repeat((byte)0xA5, 100).ToArray());
                }

                break;
            case "torn-wal":
                // A WAL with a torn last frame, as a power cut mid-commit leaves it: half a frame of garbage appended.
                File.WriteAllBytes(path + "-wal", Enumerable.Repeat((byte)0x5A, 2000).ToArray());
                break;
        }
    }

    private static void CreateDatabase(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
