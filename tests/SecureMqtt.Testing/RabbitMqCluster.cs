using System.Security.Cryptography;

namespace SecureMqtt.Testing;

/// <summary>
/// A RabbitMQ cluster on loopback: nodes of <see cref="RabbitMqBroker"/> (each its own node name, directory and
/// ports) that share one Erlang cookie, started together, the later ones joined to the first as an operator does
/// (<c>rabbitmqctl stop_app; join_cluster; start_app</c>). Disposing it stops every node and deletes their directories.
/// </summary>
public sealed class RabbitMqCluster : IAsyncDisposable
{
    private RabbitMqCluster(IReadOnlyList<RabbitMqBroker> nodes) => Nodes = nodes;

    /// <summary>The nodes; the first is the one the others joined.</summary>
    public IReadOnlyList<RabbitMqBroker> Nodes { get; }

    /// <summary>Starts <paramref name="size"/> nodes and clusters them; returns once every node answers MQTT again.</summary>
    /// <param name="size">How many nodes (at least 2).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<RabbitMqCluster> StartAsync(int size = 2, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 2);
        var cookie = Convert.ToHexString(RandomNumberGenerator.GetBytes(20));

        // Started in parallel: an Erlang node spends most of its start waiting, not computing.
        var starting = Enumerable.Range(0, size).Select(_ => RabbitMqBroker.StartAsync(tls: null, cookie, cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var started in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await started.Result.DisposeAsync();
            }

            throw;
        }

        var cluster = new RabbitMqCluster([.. starting.Select(t => t.Result)]);
        try
        {
            foreach (var node in cluster.Nodes.Skip(1))
            {
                await CtlAsync(node, "stop_app");
                await CtlAsync(node, "join_cluster", cluster.Nodes[0].NodeName);
                await CtlAsync(node, "start_app");
                await node.WaitForConnAckAsync(cancellationToken);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The queues of the cluster as <c>rabbitmqctl list_queues name type pid</c> prints them (asked of a running node).</summary>
    public async Task<string> ListQueuesAsync()
    {
        var node = Nodes.First(n => n.IsRunning);
        var result = await node.RunCtlAsync(["list_queues", "--no-table-headers", "-q", "name", "type", "pid"]);
        return result.StandardOutput;
    }

    /// <summary>Stops every node and deletes their directories.</summary>
    public async ValueTask DisposeAsync()
    {
        // The later nodes first, so the first does not wait for them on its way down.
        foreach (var node in Nodes.Reverse())
        {
            await node.DisposeAsync();
        }
    }

    private static async Task CtlAsync(RabbitMqBroker node, params string[] arguments)
    {
        var result = await node.RunCtlAsync(arguments, TimeSpan.FromSeconds(60));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} on {node.NodeName} failed ({result.ExitCode}): {result.StandardOutput}{result.StandardError}\n{node.ReadLog()}");
        }
    }
}
