using System.Globalization;
using ScaiGrid.Core.Models;
using ScaiGrid.Testing.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace ScaiGrid.Testing.Servers;

/// <summary>
/// ScaiGrid on the embedded default in front of one fake per wire format, configured through the
/// declarative config file exactly as an operator would. Frontend models:
/// <c>test/openai</c>, <c>test/azure</c>, <c>test/mistral</c>, <c>test/qwen</c>, <c>test/compatible</c>,
/// <c>test/anthropic</c>, <c>test/gemini</c>, <c>test/ollama</c> (one backend each), <c>test/failover</c>
/// (Anthropic priority 1, OpenAI priority 2), <c>test/prompted</c> (Anthropic, prefix rule with variables),
/// <c>test/gemini-replaced</c> (Gemini, replace rule), <c>test/other-tenant</c> (owned by tenant <c>other</c>).
/// </summary>
public sealed class GatewayWithFakes : IAsyncDisposable
{
    public const string UpstreamKey = "test-secret-key";

    /// <summary>An API key of a <c>member</c> of the default tenant, for tests that run with authentication on.</summary>
    public const string MemberKey = "sgk_gateway_member_key_0123456789abcdefghij";

    private GatewayWithFakes(FakeOpenAIServer openAI, FakeOpenAIServer mistral, FakeOpenAIServer qwen, FakeAnthropicServer anthropic, FakeGeminiServer gemini, FakeOllamaServer ollama)
    {
        OpenAI = openAI;
        Mistral = mistral;
        Qwen = qwen;
        Anthropic = anthropic;
        Gemini = gemini;
        Ollama = ollama;
    }

    /// <summary>Serves OpenAI, Azure (deployment paths) and OpenAI-compatible requests.</summary>
    public FakeOpenAIServer OpenAI { get; }

    public FakeOpenAIServer Mistral { get; }

    public FakeOpenAIServer Qwen { get; }

    public FakeAnthropicServer Anthropic { get; }

    public FakeGeminiServer Gemini { get; }

    public FakeOllamaServer Ollama { get; }

    public ScaiGridServer Server { get; private set; } = null!;

    public HttpClient Client => Server.Client;

    public static async Task<GatewayWithFakes> StartAsync(Action<Dictionary<string, string?>>? configureEnvironment = null, string? extraYaml = null)
    {
        var gateway = new GatewayWithFakes(
            (FakeOpenAIServer)await new FakeOpenAIServer().StartAsync(),
            (FakeOpenAIServer)await new FakeOpenAIServer(FakeOpenAIFlavor.Mistral).StartAsync(),
            (FakeOpenAIServer)await new FakeOpenAIServer(FakeOpenAIFlavor.Qwen).StartAsync(),
            (FakeAnthropicServer)await new FakeAnthropicServer().StartAsync(),
            (FakeGeminiServer)await new FakeGeminiServer().StartAsync(),
            (FakeOllamaServer)await new FakeOllamaServer().StartAsync());
        var env = ScaiGridServer.EmbeddedEnvironment();
        var config = Path.Combine(env["SCAIGRID_DATA_DIR"]!, "gateway.yaml");
        await File.WriteAllTextAsync(config, gateway.Yaml() + (extraYaml ?? string.Empty));
        env["SCAIGRID_CONFIG_FILE"] = config;
        env["SCAIGRID_AUTH_DISABLED"] = "true";
        env["SCAIGRID_DISPATCH_FIRST_BYTE_TIMEOUT_S"] = "2";
        env["SCAIGRID_DISPATCH_MAX_RETRY_AFTER_S"] = "2";
        configureEnvironment?.Invoke(env);
        gateway.Server = await ScaiGridServer.StartAsync(env);
        return gateway;
    }

    /// <summary>Re-reads the catalog now (tests change nothing behind its back otherwise).</summary>
    public Task ReloadModelsAsync() => Server.Services.GetRequiredService<ModelCatalog>().ReloadAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        foreach (var fake in new FakeUpstreamServer[] { OpenAI, Mistral, Qwen, Anthropic, Gemini, Ollama })
        {
            await fake.DisposeAsync();
        }
    }

    private static string Url(Uri uri, string path = "") => (uri.ToString().TrimEnd('/') + path).ToString(CultureInfo.InvariantCulture);

    // The rule's own {{…}} variables cannot sit in this interpolated literal, hence the placeholders.
    private string Yaml() => YamlTemplate().Replace("%TENANT%", "{{tenant}}", StringComparison.Ordinal).Replace("%MODEL%", "{{model}}", StringComparison.Ordinal);

    private string YamlTemplate() => $$"""
        providers:
          - { id: openai-fake, type: openai, base_url: "{{Url(OpenAI.BaseUrl, "/v1")}}", api_key: "{{UpstreamKey}}" }
          - { id: azure-fake, type: azure_openai, base_url: "{{Url(OpenAI.BaseUrl)}}", api_key: "{{UpstreamKey}}", settings: { api_version: "2024-10-21" } }
          - { id: compatible-fake, type: openai_compatible, base_url: "{{Url(OpenAI.BaseUrl, "/v1")}}" }
          - { id: mistral-fake, type: mistral, base_url: "{{Url(Mistral.BaseUrl, "/v1")}}", api_key: "{{UpstreamKey}}" }
          - { id: qwen-fake, type: qwen, base_url: "{{Url(Qwen.BaseUrl, "/compatible-mode/v1")}}", api_key: "{{UpstreamKey}}" }
          - { id: anthropic-fake, type: anthropic, base_url: "{{Url(Anthropic.BaseUrl)}}", api_key: "{{UpstreamKey}}" }
          - { id: gemini-fake, type: google, base_url: "{{Url(Gemini.ApiBaseUrl)}}", api_key: "{{UpstreamKey}}" }
          - { id: ollama-fake, type: ollama, base_url: "{{Url(Ollama.BaseUrl)}}" }
        backend_models:
          - { id: openai-gpt, provider: openai-fake, upstream_model: gpt-4o-mini, capabilities: [chat, stream, tools, embeddings], pricing: { input_per_mtok: 0.15, output_per_mtok: 0.6 } }
          - { id: azure-gpt, provider: azure-fake, upstream_model: gpt-4o-deploy, capabilities: [chat, stream, tools, embeddings] }
          - { id: compatible-llm, provider: compatible-fake, upstream_model: local-llm, capabilities: [chat, stream, tools] }
          - { id: mistral-small, provider: mistral-fake, upstream_model: mistral-small-latest, capabilities: [chat, stream, tools] }
          - { id: qwen-plus, provider: qwen-fake, upstream_model: qwen-plus, capabilities: [chat, stream, tools] }
          - { id: anthropic-claude, provider: anthropic-fake, upstream_model: claude-sonnet-4-5, capabilities: [chat, stream, tools], pricing: { input_per_mtok: 3, output_per_mtok: 15 } }
          - { id: gemini-flash, provider: gemini-fake, upstream_model: gemini-2.5-flash, capabilities: [chat, stream, tools, embeddings] }
          - { id: ollama-llama, provider: ollama-fake, upstream_model: "llama3.2:latest", capabilities: [chat, stream, tools, embeddings] }
        models:
          - { slug: test/openai, routing: { strategy: priority, backends: [ { backend: openai-gpt } ] } }
          - { slug: test/azure, routing: { strategy: priority, backends: [ { backend: azure-gpt } ] } }
          - { slug: test/compatible, routing: { strategy: priority, backends: [ { backend: compatible-llm } ] } }
          - { slug: test/mistral, routing: { strategy: priority, backends: [ { backend: mistral-small } ] } }
          - { slug: test/qwen, routing: { strategy: priority, backends: [ { backend: qwen-plus } ] } }
          - { slug: test/anthropic, routing: { strategy: priority, backends: [ { backend: anthropic-claude } ] } }
          - { slug: test/gemini, routing: { strategy: priority, backends: [ { backend: gemini-flash } ] } }
          - { slug: test/ollama, routing: { strategy: priority, backends: [ { backend: ollama-llama } ] } }
          - slug: test/failover
            routing: { strategy: priority, backends: [ { backend: anthropic-claude, priority: 1 }, { backend: openai-gpt, priority: 2 } ] }
          - slug: test/prompted
            routing: { strategy: priority, backends: [ { backend: anthropic-claude } ] }
            system_prompt: { mode: prefix, text: "Tenant %TENANT% on %MODEL%." }
          - slug: test/gemini-replaced
            routing: { strategy: priority, backends: [ { backend: gemini-flash } ] }
            system_prompt: { mode: replace, text: "Only the operator speaks here." }
          - slug: test/other-tenant
            tenant: other
            routing: { strategy: priority, backends: [ { backend: openai-gpt } ] }
        partners:
          - slug: default
            tenants:
              - slug: default
                users:
                  - { email: app@default.test, roles: [member], api_keys: [ { name: app, key: "{{MemberKey}}" } ] }
              - slug: other

        """;
}
