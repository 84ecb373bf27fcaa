namespace SecureMqtt.Samples.Worker;

/// <summary>The "Readings" section: where and how often the worker publishes.</summary>
public sealed class ReadingOptions
{
    /// <summary>The topic every reading is published on.</summary>
    public string Topic { get; set; } = "sample/readings";

    /// <summary>The time between readings.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Stop the application after this many readings; 0 runs until Ctrl+C.</summary>
    public int Count { get; set; }
}
