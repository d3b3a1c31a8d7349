namespace ScaiGrid.Abstractions.Chat;

/// <summary>
/// Typed events of a streamed chat, the one shape every provider stream parser yields and every
/// client-facing writer (native SSE, OpenAI chunks) reads.
/// </summary>
public abstract record ChatStreamEvent;

/// <summary>The first event: the upstream accepted the request (its response id and model, if it said).</summary>
public sealed record StreamStarted(string? UpstreamResponseId, string? UpstreamModel) : ChatStreamEvent;

public sealed record TextDelta(string Text) : ChatStreamEvent;

public sealed record ReasoningDelta(string Text) : ChatStreamEvent;

/// <summary>
/// A piece of a tool call. The first delta of a call carries <see cref="Id"/> and <see cref="Name"/>;
/// later ones append to the arguments. <see cref="Index"/> is the call's position in this response.
/// </summary>
public sealed record ToolCallDelta(int Index, string? Id, string? Name, string? ArgumentsDelta) : ChatStreamEvent;

/// <summary>Usage as the upstream reported it so far (cumulative, not a delta).</summary>
public sealed record UsageUpdate(Usage Usage) : ChatStreamEvent;

/// <summary>The upstream finished the message; may be followed by a last <see cref="UsageUpdate"/>.</summary>
public sealed record StreamFinished(FinishReason FinishReason) : ChatStreamEvent;
