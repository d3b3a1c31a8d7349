namespace ScaiGrid.Abstractions.Providers;

/// <summary>
/// What an upstream said when it failed, carried in <see cref="Errors.ScaiGridException.Details"/>.
/// <see cref="Retryable"/> tells routing it may fail over (connect error, timeout, 5xx, 429) —
/// decided by the provider's error mapper, which knows its dialect.
/// </summary>
public sealed record UpstreamErrorDetails
{
    public required string Provider { get; init; }

    /// <summary>The upstream HTTP status, or null when no response arrived (connect error, timeout).</summary>
    public int? UpstreamStatus { get; init; }

    /// <summary>The upstream's own error type/code string, if it gave one.</summary>
    public string? UpstreamCode { get; init; }

    /// <summary>The upstream's message, with credentials scrubbed.</summary>
    public string? UpstreamMessage { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool Retryable { get; init; }
}
