namespace ScaiGrid.FunctionalTests.Operations;

/// <summary>
/// Tests that depend on process-wide state: exact values read from /metrics, and whether activities start. OpenTelemetry's MeterProvider subscribes to meters by name, so every
/// in-process ScaiGrid host of the test run feeds the same "ScaiGrid" series; these tests therefore run alone,
/// after the parallel ones, or another class's traffic (or ActivityListener) would change what they assert.
/// (In production one process hosts one ScaiGrid, so the cross-talk cannot happen there.)
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMetricsCollection
{
    public const string Name = "process-wide metrics";
}
