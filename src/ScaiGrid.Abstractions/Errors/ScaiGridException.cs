namespace ScaiGrid.Abstractions.Errors;

/// <summary>
/// The one exception type that crosses the edge. Everything inside carries an <see cref="ErrorCode"/>;
/// the HTTP and gRPC layers turn this into the structured envelope, never a stack trace.
/// </summary>
public sealed class ScaiGridException : Exception
{
    public ScaiGridException(ErrorCode code, string message, string? param = null, object? details = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Param = param;
        Details = details;
    }

    public ErrorCode Code { get; }

    /// <summary>The request field at fault (JSON path such as <c>messages[2].role</c>), when there is one.</summary>
    public string? Param { get; }

    /// <summary>Extra machine-readable detail (upstream message, list of validation problems). Never secrets.</summary>
    public object? Details { get; }

    /// <summary>Seconds the caller should wait before retrying (429, 503), sent as <c>Retry-After</c>.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ScaiGridException Validation(string param, string message) =>
        new(ErrorCodes.ValidationError, $"{param}: {message}", param);

    public static ScaiGridException NotFound(string what) => new(ErrorCodes.NotFound, $"{what} not found.");
}
