namespace ScaiGrid.Abstractions.Chat;

/// <summary>A provider-agnostic, complete chat answer.</summary>
public sealed class ChatResponse
{
    /// <summary>The assistant message: text parts, tool calls, reasoning.</summary>
    public required ChatMessage Message { get; init; }

    public required FinishReason FinishReason { get; init; }

    public required Usage Usage { get; init; }

    /// <summary>The model name the upstream reported (the backend's upstream model).</summary>
    public string? UpstreamModel { get; init; }

    /// <summary>The upstream's own response id, kept for operators' correlation.</summary>
    public string? UpstreamResponseId { get; init; }
}

/// <summary>Why generation stopped, normalised across providers.</summary>
public enum FinishReason
{
    Stop,
    Length,
    ToolCalls,
    ContentFilter,
    Error,
}

/// <summary>Token counts. Cached and reasoning tokens are subsets of input and output respectively.</summary>
public sealed record Usage
{
    public long InputTokens { get; init; }

    public long OutputTokens { get; init; }

    public long CachedInputTokens { get; init; }

    public long ReasoningTokens { get; init; }

    public long TotalTokens => InputTokens + OutputTokens;

    public static readonly Usage Zero = new();
}
