using System.Text.Json;
using ScaiGrid.Providers.Gemini;

namespace ScaiGrid.Providers.Tests.Gemini;

public sealed class GeminiSchemaTests
{
    [Fact]
    public void Sanitize_JsonSchemaKeywordsGeminiRejects_AreDroppedOrConverted()
    {
        var schema = JsonDocument.Parse("""
            {"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,
             "properties":{
               "mode":{"const":"fast"},
               "count":{"type":"integer","exclusiveMinimum":0,"minimum":1},
               "tags":{"type":"array","items":{"type":["string","null"],"propertyNames":{"pattern":"x"}}},
               "any":{"anyOf":[{"type":"string"},{"type":"number","$ref":"#/x"}]}},
             "required":["mode"]}
            """).RootElement;

        var sanitized = GeminiSchema.Sanitize(schema);

        Assert.Equal(
            """{"type":"object","properties":{"mode":{"enum":["fast"]},"count":{"type":"integer","minimum":1},"tags":{"type":"array","items":{"type":"string","nullable":true}},"any":{"anyOf":[{"type":"string"},{"type":"number"}]}},"required":["mode"]}""",
            sanitized.GetRawText());
    }
}
