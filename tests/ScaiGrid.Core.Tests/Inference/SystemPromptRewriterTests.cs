using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Inference;
using ScaiGrid.Core.Models;
using ScaiGrid.Testing;

namespace ScaiGrid.Core.Tests.Inference;

public sealed class SystemPromptRewriterTests
{
    private static readonly CallerContext Caller = new()
    {
        PartnerId = "ptn_x",
        TenantId = "ten_unknown",
        UserId = "usr_x",
        Kind = CallerKind.DevAdmin,
        Roles = new HashSet<string>(),
        Permissions = new HashSet<string>(),
    };

    private readonly SystemPromptRewriter _rewriter = new(new ModelCatalog(null!, null!, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<ModelCatalog>.Instance), new ManualTimeProvider());

    private static FrontendEntry Model(string? mode, string? text) => new("fm", "team/chat", null, null, "priority", [], mode, text, null);

    private static ChatRequest Request(params ChatMessage[] messages) => new() { Model = "team/chat", Messages = messages };

    private static readonly ChatMessage AppSystem = ChatMessage.FromText(ChatRole.System, "Be terse.");
    private static readonly ChatMessage User = ChatMessage.FromText(ChatRole.User, "Hi");

    [Theory]
    [InlineData("prefix", "Rule.", "Rule.\n\nBe terse.")]
    [InlineData("suffix", "Rule.", "Be terse.\n\nRule.")]
    [InlineData("replace", "Rule.", "Rule.")]
    [InlineData("template", "[{{model}} @ {{date}}] {{system}} (tenant {{tenant}})", "[team/chat @ 2026-11-23] Be terse. (tenant ten_unknown)")]
    public void Apply_EachMode_ProducesOneLeadingSystemMessage(string mode, string text, string expected)
    {
        var result = _rewriter.Apply(Model(mode, text), Request(AppSystem, User), Caller);

        Assert.Equal(2, result.Messages.Count);
        Assert.Equal(ChatRole.System, result.Messages[0].Role);
        Assert.Equal(expected, result.Messages[0].Text);
        Assert.Same(User, result.Messages[1]);
    }

    [Fact]
    public void Apply_PrefixWithoutAppSystem_AddsOne()
    {
        var result = _rewriter.Apply(Model("prefix", "Rule."), Request(User), Caller);

        Assert.Equal(["Rule.", "Hi"], result.Messages.Select(m => m.Text));
    }

    [Fact]
    public void Apply_NoRule_ReturnsTheSameRequest()
    {
        var request = Request(AppSystem, User);

        Assert.Same(request, _rewriter.Apply(Model(null, null), request, Caller));
    }
}
