using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Core.Models;

namespace ScaiGrid.Core.Accounting;

/// <summary>
/// Cost in nano-USD from token counts and a backend's prices (nano-USD per million tokens). Integer
/// arithmetic throughout (Int128 intermediates), rounded half up once per request: exact and repeatable.
/// Cached input tokens are a subset of input tokens and are billed at the cached price.
/// </summary>
public static class Pricing
{
    private const long PerMillion = 1_000_000;

    public static long CostNanoUsd(BackendEntry backend, Usage usage)
    {
        var cached = Math.Clamp(usage.CachedInputTokens, 0, usage.InputTokens);
        var uncached = usage.InputTokens - cached;
        var total = ((Int128)uncached * backend.InputNanoUsdPerMtok)
                    + ((Int128)cached * backend.CachedInputNanoUsdPerMtok)
                    + ((Int128)Math.Max(0, usage.OutputTokens) * backend.OutputNanoUsdPerMtok);
        return (long)((total + (PerMillion / 2)) / PerMillion);
    }

    /// <summary>The most a request can cost on <paramref name="backend"/>: every input token uncached, every allowed output token used.</summary>
    public static long MaxCostNanoUsd(BackendEntry backend, long inputTokens, long maxOutputTokens)
    {
        var total = ((Int128)inputTokens * Math.Max(backend.InputNanoUsdPerMtok, backend.CachedInputNanoUsdPerMtok))
                    + ((Int128)maxOutputTokens * backend.OutputNanoUsdPerMtok);
        // Round up: a reservation must never be smaller than what the request may spend.
        return (long)((total + PerMillion - 1) / PerMillion);
    }

    /// <summary>Formats nano-USD as an exact decimal string with nine places, e.g. <c>0.001234500</c>.</summary>
    public static string FormatUsd(long nanoUsd) => (nanoUsd / 1_000_000_000m).ToString("0.000000000", System.Globalization.CultureInfo.InvariantCulture);
}
