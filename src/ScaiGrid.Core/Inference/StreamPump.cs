using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Core.Accounting;

namespace ScaiGrid.Core.Inference;

/// <summary>
/// Drives a committed stream for any client dialect: forwards each event, then ends with "done" or an error,
/// and settles the usage with the right outcome — one place, whatever the wire format written.
/// </summary>
public static class StreamPump
{
    public static async Task RunAsync(
        ChatStreamSession session,
        CancellationToken aborted,
        Func<ChatStreamEvent, ValueTask> onEvent,
        Func<ValueTask> onDone,
        Func<ScaiGridException, ValueTask> onError)
    {
        try
        {
            await foreach (var e in session.ReadAllAsync().ConfigureAwait(false))
            {
                await onEvent(e).ConfigureAwait(false);
            }

            await session.CompleteAsync(UsageOutcomes.Success, null).ConfigureAwait(false);
            await onDone().ConfigureAwait(false);
        }
        catch (ScaiGridException ex)
        {
            await session.CompleteAsync(UsageOutcomes.UpstreamCut, ex.Code.Code).ConfigureAwait(false);
            await onError(ex).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (session.TimedOut(aborted))
        {
            var timeout = new ScaiGridException(ErrorCodes.UpstreamTimeout, "The stream exceeded the dispatch time limit.");
            await session.CompleteAsync(UsageOutcomes.UpstreamCut, timeout.Code.Code).ConfigureAwait(false);
            await onError(timeout).ConfigureAwait(false);
        }
    }
}
