namespace SecureMqtt.Cli.Doctor;

/// <summary>How one step of the connection walk went.</summary>
internal enum StepStatus
{
    Ok,
    Failed,
    NotReached,
    Skipped,
}

/// <summary>One step of the walk: what was checked, what was seen, and when it failed, why and what to do.</summary>
internal sealed record DoctorStep(string Id, string Title)
{
    public StepStatus Status { get; set; } = StepStatus.NotReached;

    public List<string> Details { get; } = [];

    public string? Reason { get; set; }

    public string? Fix { get; set; }

    /// <summary>The MqttTlsFailureKind (or other failure class) behind a FAILED step, for machines.</summary>
    public string? Kind { get; set; }

    public DoctorStep Ok(params string[] details)
    {
        Status = StepStatus.Ok;
        Details.AddRange(details);
        return this;
    }

    public DoctorStep Fail(string reason, string fix, string? kind)
    {
        Status = StepStatus.Failed;
        Reason = reason;
        Fix = fix;
        Kind = kind;
        return this;
    }
}
