using System.ClientModel;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI.Embeddings;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.OpenAICompat;

/// <summary>Embeddings and the model list through the official OpenAI .NET SDK.</summary>
public sealed class OpenAISdkEmbeddingsAndModelsTests : IAsyncLifetime
{
    private GatewayWithFakes _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayWithFakes.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    /// <summary>Anthropic has no embeddings API; the Ollama backend stands in as the third provider type.</summary>
    public static TheoryData<string> EmbeddingBackends => new() { "test/openai", "test/gemini", "test/ollama" };

    [Theory]
    [MemberData(nameof(EmbeddingBackends))]
    public async Task GenerateEmbeddings_EveryBackend_DecodesTheSameVectorsAsTheFloatFormat(string model)
    {
        var client = OpenAISdk.Embeddings(_gateway.Server, model);

        // The SDK asks for encoding_format=base64 by default; the raw float answer is the reference.
        OpenAIEmbeddingCollection embeddings = await client.GenerateEmbeddingsAsync(["first text", "second text"]);
        var raw = await _gateway.Client.PostAsJsonAsync("/oai/v1/embeddings", new { model, input = new[] { "first text", "second text" } });
        var reference = (await raw.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data");

        Assert.Equal(2, embeddings.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(i, embeddings[i].Index);
            var expected = reference[i].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            Assert.NotEmpty(expected);
            Assert.Equal(expected, embeddings[i].ToFloats().ToArray());
        }

        Assert.Equal(model, embeddings.Model);
        Assert.True(embeddings.Usage.InputTokenCount > 0);
        Assert.Equal(embeddings.Usage.InputTokenCount, embeddings.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task GenerateEmbeddings_OnAModelWithoutEmbeddings_Is400CapabilityNotSupported()
    {
        var client = OpenAISdk.Embeddings(_gateway.Server, "test/anthropic");

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => client.GenerateEmbeddingAsync("text"));

        Assert.Equal(400, ex.Status);
        Assert.Equal("CAPABILITY_NOT_SUPPORTED", OpenAISdk.ErrorOf(ex).GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", OpenAISdk.ErrorOf(ex).GetProperty("type").GetString());
    }

    [Fact]
    public async Task GetModels_ListsTheCallersFrontendModelsOwnedByScaiGrid()
    {
        var models = (await OpenAISdk.Models(_gateway.Server).GetModelsAsync()).Value;

        var ids = models.Select(m => m.Id).ToList();
        Assert.Contains("test/openai", ids);
        Assert.Contains("test/anthropic", ids);
        Assert.Contains("test/gemini", ids);
        Assert.DoesNotContain("test/other-tenant", ids);
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.All(models, m => Assert.Equal("scaigrid", m.OwnedBy));
        Assert.All(models, m => Assert.InRange(m.CreatedAt, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddMinutes(1)));
    }

    [Theory]
    [InlineData("test/openai")]
    [InlineData("test/anthropic")]
    [InlineData("test/gemini")]
    public async Task GetModel_IdWithASlash_ReturnsThatModel(string model)
    {
        var found = (await OpenAISdk.Models(_gateway.Server).GetModelAsync(model)).Value;

        Assert.Equal(model, found.Id);
        Assert.Equal("scaigrid", found.OwnedBy);
    }

    [Fact]
    public async Task GetModel_Unknown_Is404ModelNotFound()
    {
        var ex = await Assert.ThrowsAsync<ClientResultException>(() => OpenAISdk.Models(_gateway.Server).GetModelAsync("test/missing"));

        Assert.Equal(404, ex.Status);
        Assert.Equal("MODEL_NOT_FOUND", OpenAISdk.ErrorOf(ex).GetProperty("code").GetString());
        Assert.Equal("model", OpenAISdk.ErrorOf(ex).GetProperty("param").GetString());
    }
}
