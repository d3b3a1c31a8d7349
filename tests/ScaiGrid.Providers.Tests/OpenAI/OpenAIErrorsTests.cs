using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.OpenAI;
using ScaiGrid.Providers.Tests.Support;

namespace ScaiGrid.Providers.Tests.OpenAI;

public sealed class OpenAIErrorsTests
{
    private static readonly ProviderTarget Target = Requests.Target(ProviderTypes.OpenAI, key: "sk-test-0123456789abcdef");

    private static (ScaiGridException Error, UpstreamErrorDetails Details) Map(int status, string body, int? retryAfter = null)
    {
        var ex = OpenAIErrors.Map(Target, status, body, retryAfter);
        return (ex, Assert.IsType<UpstreamErrorDetails>(ex.Details));
    }

    [Fact]
    public void Map_ContextLengthExceeded_IsContextLengthAndNotRetryable()
    {
        var (ex, details) = Map(400, """{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}""");

        Assert.Equal(ErrorCodes.ContextLengthExceeded, ex.Code);
        Assert.Equal("context_length_exceeded", details.UpstreamCode);
        Assert.False(details.Retryable);
    }

    [Theory]
    [InlineData("""{"error":{"message":"Your request was rejected as a result of our safety system.","type":"invalid_request_error","param":null,"code":"content_policy_violation"}}""")]
    [InlineData("""{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy.","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation"}}}""")]
    [InlineData("""{"error":{"message":"Input data may contain inappropriate content.","type":"data_inspection_failed","param":null,"code":"data_inspection_failed"},"request_id":"r"}""")]
    public void Map_ContentFilterBodies_AreContentFiltered(string body)
    {
        var (ex, details) = Map(400, body);

        Assert.Equal(ErrorCodes.ContentFiltered, ex.Code);
        Assert.False(details.Retryable);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(422)]
    public void Map_OtherClientErrors_AreBadRequestAndNotRetryable(int status)
    {
        var (ex, details) = Map(status, """{"error":{"message":"The model `gpt-5-turbo` does not exist","type":"invalid_request_error","param":null,"code":"model_not_found"}}""");

        Assert.Equal(ErrorCodes.UpstreamBadRequest, ex.Code);
        Assert.False(details.Retryable);
        Assert.Equal(status, details.UpstreamStatus);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public void Map_AuthFailures_AreAuthFailedAndKeepTheKeyOut(int status)
    {
        var (ex, details) = Map(status, """{"error":{"message":"Incorrect API key provided: sk-test-0123456789abcdef.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""");

        Assert.Equal(ErrorCodes.UpstreamAuthFailed, ex.Code);
        Assert.False(details.Retryable);
        Assert.DoesNotContain("sk-test-0123456789abcdef", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-test-0123456789abcdef", details.UpstreamMessage, StringComparison.Ordinal);
        Assert.Contains("***", details.UpstreamMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_RateLimited_IsRetryableWithRetryAfter()
    {
        var (ex, details) = Map(429, """{"error":{"message":"Rate limit reached for gpt-4o on requests per min (RPM): Limit 500.","type":"requests","param":null,"code":"rate_limit_exceeded"}}""", retryAfter: 20);

        Assert.Equal(ErrorCodes.UpstreamRateLimited, ex.Code);
        Assert.Equal(20, ex.RetryAfterSeconds);
        Assert.True(details.Retryable);
        Assert.Equal("rate_limit_exceeded", details.UpstreamCode);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    public void Map_ServerErrors_AreRetryableUpstreamErrors(int status)
    {
        var (ex, details) = Map(status, """{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}""");

        Assert.Equal(ErrorCodes.UpstreamError, ex.Code);
        Assert.True(details.Retryable);
        Assert.Equal("server_error", details.UpstreamCode);
    }

    [Fact]
    public void Map_MistralValidationObjectMessage_KeepsTheDetailText()
    {
        var (ex, details) = Map(422, """{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","user"],"msg":"Extra inputs are not permitted"}]},"type":"invalid_request_message_error","param":null,"code":null}""");

        Assert.Equal(ErrorCodes.UpstreamBadRequest, ex.Code);
        Assert.Contains("Extra inputs are not permitted", details.UpstreamMessage, StringComparison.Ordinal);
        Assert.Equal("invalid_request_message_error", details.UpstreamCode);
    }

    [Fact]
    public void Map_VllmNumericCodeAndContextMessage_IsContextLength()
    {
        var (ex, _) = Map(400, """{"object":"error","message":"This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.","type":"BadRequestError","param":null,"code":400}""");

        Assert.Equal(ErrorCodes.ContextLengthExceeded, ex.Code);
    }

    [Fact]
    public void Map_LlamaCppContextError_IsContextLength()
    {
        var (ex, _) = Map(400, """{"error":{"code":400,"message":"the request exceeds the available context size","type":"exceed_context_size_error"}}""");

        Assert.Equal(ErrorCodes.ContextLengthExceeded, ex.Code);
    }

    [Fact]
    public void Map_PlainTextGatewayBody_KeepsTheText()
    {
        var (ex, details) = Map(502, "Bad Gateway");

        Assert.Equal(ErrorCodes.UpstreamError, ex.Code);
        Assert.Equal("Bad Gateway", details.UpstreamMessage);
    }

    [Fact]
    public void Map_EmptyBody_StillDescribesTheStatus()
    {
        var (_, details) = Map(500, string.Empty);

        Assert.Equal("HTTP 500 without an error message.", details.UpstreamMessage);
    }
}
