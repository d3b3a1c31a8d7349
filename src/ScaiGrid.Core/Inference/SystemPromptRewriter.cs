using System.Globalization;
using System.Text;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Models;

namespace ScaiGrid.Core.Inference;

/// <summary>
/// Applies a frontend model's system-prompt rule before dispatch. The rule's text may use
/// <c>{{tenant}}</c> (slug), <c>{{tenant_name}}</c>, <c>{{model}}</c> (frontend slug) and <c>{{date}}</c>
/// (UTC, yyyy-MM-dd); <c>template</c> also gets <c>{{system}}</c>, the application's own system prompt.
/// <list type="bullet">
/// <item><c>prefix</c>: the text goes before the application's system prompt (or becomes it).</item>
/// <item><c>suffix</c>: the text goes after it.</item>
/// <item><c>replace</c>: the text replaces every system message.</item>
/// <item><c>template</c>: the rendered template replaces the system prompt; place <c>{{system}}</c> to keep the app's.</item>
/// </list>
/// </summary>
public sealed class SystemPromptRewriter(ModelCatalog catalog, TimeProvider time)
{
    public ChatRequest Apply(FrontendEntry model, ChatRequest request, CallerContext caller)
    {
        if (model.SystemPromptMode is not { } mode || string.IsNullOrEmpty(model.SystemPromptText))
        {
            return request;
        }

        var original = string.Join("\n\n", request.Messages.Where(m => m.Role == ChatRole.System).Select(m => m.Text));
        var text = Render(model.SystemPromptText, model, caller, original);
        var system = mode switch
        {
            "prefix" => original.Length == 0 ? text : text + "\n\n" + original,
            "suffix" => original.Length == 0 ? text : original + "\n\n" + text,
            "replace" or "template" => text,
            _ => original,
        };

        var messages = new List<ChatMessage>(request.Messages.Count + 1);
        if (system.Length > 0)
        {
            messages.Add(ChatMessage.FromText(ChatRole.System, system));
        }

        foreach (var message in request.Messages)
        {
            if (message.Role != ChatRole.System)
            {
                messages.Add(message);
            }
        }

        return request.With(messages: messages);
    }

    private string Render(string template, FrontendEntry model, CallerContext caller, string original)
    {
        if (!template.Contains("{{", StringComparison.Ordinal))
        {
            return template;
        }

        catalog.Current.Tenants.TryGetValue(caller.TenantId, out var tenant);
        return new StringBuilder(template)
            .Replace("{{tenant}}", tenant?.Slug ?? caller.TenantId)
            .Replace("{{tenant_name}}", tenant?.Name ?? caller.TenantId)
            .Replace("{{model}}", model.Slug)
            .Replace("{{date}}", time.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .Replace("{{system}}", original)
            .ToString();
    }
}
