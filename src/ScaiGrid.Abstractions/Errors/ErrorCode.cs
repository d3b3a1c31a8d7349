namespace ScaiGrid.Abstractions.Errors;

/// <summary>
/// A stable, machine-readable error code with its HTTP and gRPC status. Codes are never renamed;
/// new ones are added. The whole vocabulary is <see cref="ErrorCodes.All"/> and docs/errors.md.
/// </summary>
public sealed record ErrorCode(string Code, int HttpStatus, GrpcStatus GrpcStatus, string Meaning)
{
    public override string ToString() => Code;
}

/// <summary>The one table mapping every ScaiGrid error code to its HTTP and gRPC status.</summary>
public static class ErrorCodes
{
    // Request shape
    public static readonly ErrorCode ValidationError = new("VALIDATION_ERROR", 400, GrpcStatus.InvalidArgument, "A field of the request is missing or invalid; `param` names it.");
    public static readonly ErrorCode InvalidJson = new("INVALID_JSON", 400, GrpcStatus.InvalidArgument, "The request body is not well-formed JSON.");
    public static readonly ErrorCode BadRequest = new("BAD_REQUEST", 400, GrpcStatus.InvalidArgument, "The request could not be understood (bad header, bad framing).");
    public static readonly ErrorCode PayloadTooLarge = new("PAYLOAD_TOO_LARGE", 413, GrpcStatus.InvalidArgument, "The request body exceeds the configured limit.");
    public static readonly ErrorCode UnsupportedMediaType = new("UNSUPPORTED_MEDIA_TYPE", 415, GrpcStatus.InvalidArgument, "The request body is not `application/json`.");

    // Routing of the HTTP request itself
    public static readonly ErrorCode NotFound = new("NOT_FOUND", 404, GrpcStatus.NotFound, "No such route, or no such object in the caller's scope.");
    public static readonly ErrorCode MethodNotAllowed = new("METHOD_NOT_ALLOWED", 405, GrpcStatus.Unimplemented, "The route exists but not for this HTTP method.");
    public static readonly ErrorCode Conflict = new("CONFLICT", 409, GrpcStatus.AlreadyExists, "The object already exists or was changed concurrently.");

    // Identity
    public static readonly ErrorCode AuthRequired = new("AUTH_REQUIRED", 401, GrpcStatus.Unauthenticated, "No credentials were presented.");
    public static readonly ErrorCode InvalidCredentials = new("INVALID_CREDENTIALS", 401, GrpcStatus.Unauthenticated, "The credentials are unknown, expired, revoked or malformed.");
    public static readonly ErrorCode PermissionDenied = new("PERMISSION_DENIED", 403, GrpcStatus.PermissionDenied, "The caller lacks the permission this endpoint requires.");

    // Accounting
    public static readonly ErrorCode BudgetExceeded = new("BUDGET_EXCEEDED", 429, GrpcStatus.PermissionDenied, "A budget of the caller's key, user, tenant or partner is exhausted.");
    public static readonly ErrorCode RateLimited = new("RATE_LIMITED", 429, GrpcStatus.ResourceExhausted, "A request or token rate limit was hit; see `Retry-After`.");

    // Models and upstreams
    public static readonly ErrorCode ModelNotFound = new("MODEL_NOT_FOUND", 404, GrpcStatus.NotFound, "The frontend model slug is unknown or not available to the caller.");
    public static readonly ErrorCode BackendUnavailable = new("BACKEND_UNAVAILABLE", 503, GrpcStatus.Unavailable, "Every backend of the model is down or its circuit is open.");
    public static readonly ErrorCode UpstreamError = new("UPSTREAM_ERROR", 502, GrpcStatus.Unavailable, "The upstream provider failed; its message is in `details`.");
    public static readonly ErrorCode UpstreamTimeout = new("UPSTREAM_TIMEOUT", 504, GrpcStatus.DeadlineExceeded, "The upstream did not answer in time.");
    public static readonly ErrorCode UpstreamRateLimited = new("UPSTREAM_RATE_LIMITED", 429, GrpcStatus.ResourceExhausted, "The upstream provider rate-limited the request.");
    public static readonly ErrorCode UpstreamAuthFailed = new("UPSTREAM_AUTH_FAILED", 502, GrpcStatus.Unavailable, "The upstream rejected ScaiGrid's provider credentials.");
    public static readonly ErrorCode UpstreamBadRequest = new("UPSTREAM_BAD_REQUEST", 400, GrpcStatus.InvalidArgument, "The upstream rejected the request as invalid; its message is in `details`.");
    public static readonly ErrorCode ContextLengthExceeded = new("CONTEXT_LENGTH_EXCEEDED", 400, GrpcStatus.InvalidArgument, "The prompt plus requested output exceed the model's context window.");
    public static readonly ErrorCode ContentFiltered = new("CONTENT_FILTERED", 400, GrpcStatus.InvalidArgument, "The upstream's content filter refused the request.");
    public static readonly ErrorCode CapabilityNotSupported = new("CAPABILITY_NOT_SUPPORTED", 400, GrpcStatus.InvalidArgument, "The model's backends do not support what was asked (e.g. embeddings, tools).");

    // Service state
    public static readonly ErrorCode ServiceDraining = new("SERVICE_DRAINING", 503, GrpcStatus.Unavailable, "The process is shutting down gracefully; retry on another replica.");
    public static readonly ErrorCode ServiceUnavailable = new("SERVICE_UNAVAILABLE", 503, GrpcStatus.Unavailable, "A dependency (database, Redis) is not reachable.");
    public static readonly ErrorCode Timeout = new("TIMEOUT", 504, GrpcStatus.DeadlineExceeded, "The request took longer than allowed.");
    public static readonly ErrorCode ModuleNotEnabled = new("MODULE_NOT_ENABLED", 404, GrpcStatus.NotFound, "The module is not enabled on this installation.");
    public static readonly ErrorCode InternalError = new("INTERNAL_ERROR", 500, GrpcStatus.Internal, "An unexpected server error; the request id finds it in the logs.");

    public static IReadOnlyList<ErrorCode> All { get; } =
    [
        ValidationError, InvalidJson, BadRequest, PayloadTooLarge, UnsupportedMediaType,
        NotFound, MethodNotAllowed, Conflict,
        AuthRequired, InvalidCredentials, PermissionDenied,
        BudgetExceeded, RateLimited,
        ModelNotFound, BackendUnavailable, UpstreamError, UpstreamTimeout, UpstreamRateLimited,
        UpstreamAuthFailed, UpstreamBadRequest, ContextLengthExceeded, ContentFiltered, CapabilityNotSupported,
        ServiceDraining, ServiceUnavailable, Timeout, ModuleNotEnabled, InternalError,
    ];

    private static readonly Dictionary<string, ErrorCode> ByCode = All.ToDictionary(c => c.Code, StringComparer.Ordinal);

    public static ErrorCode? Find(string code) => ByCode.GetValueOrDefault(code);

    /// <summary>The code ASP.NET Core's own status codes (404 route miss, 405, 413, 415) stand for.</summary>
    public static ErrorCode ForHttpStatus(int status) => status switch
    {
        400 => BadRequest,
        401 => AuthRequired,
        403 => PermissionDenied,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => Conflict,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        429 => RateLimited,
        503 => ServiceUnavailable,
        504 => Timeout,
        _ => InternalError,
    };
}
