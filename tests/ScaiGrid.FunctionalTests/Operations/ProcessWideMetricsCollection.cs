namespace ScaiGrid.FunctionalTests.Operations;

/// <summary>
/// Tests that read exact values from /metrics. OpenTelemetry's MeterProvider subscribes to meters by name, so every
/// in-process ScaiGrid host of the test run feeds the same "ScaiGrid" series; these tests therefore run alone,
/// after the parallel ones, or another class's traffic would change the counts they assert.
/// (In production one process hosts one ScaiGrid, so the cross-talk cannot happen there.)
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMetricsCollection
{
    public const string Name = "process-wide metrics";
}
