using System.Buffers;
using System.Text.Json;

namespace ScaiGrid.Providers.Gemini;

/// <summary>
/// JSON Schema → the OpenAPI 3.0 Schema subset Gemini accepts in functionDeclarations.parameters and
/// generationConfig.responseSchema ("Schema" reference). Gemini answers 400 "Invalid JSON payload
/// received. Unknown name "additionalProperties"" (also $schema, const, exclusiveMinimum…) instead of
/// ignoring what it does not know, so unknown keywords are dropped, a nullable type list becomes
/// <c>nullable</c>, and <c>const</c> becomes a one-value <c>enum</c>.
/// </summary>
internal static class GeminiSchema
{
    private static readonly HashSet<string> Kept = new(StringComparer.Ordinal)
    {
        "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems",
        "required", "minProperties", "maxProperties", "minLength", "maxLength", "pattern",
        "example", "propertyOrdering", "default", "minimum", "maximum",
    };

    public static JsonElement Sanitize(JsonElement schema)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteSchema(writer, schema);
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }

    private static void WriteSchema(Utf8JsonWriter writer, JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            // A boolean schema ("true" = anything) has no Gemini form; an unconstrained object is closest.
            writer.WriteStartObject();
            writer.WriteString("type", "object");
            writer.WriteEndObject();
            return;
        }

        writer.WriteStartObject();
        var nullable = false;
        var hasEnum = schema.TryGetProperty("enum", out _);
        foreach (var property in schema.EnumerateObject())
        {
            switch (property.Name)
            {
                case "type" when property.Value.ValueKind == JsonValueKind.Array:
                    string? single = null;
                    foreach (var t in property.Value.EnumerateArray())
                    {
                        if (t.ValueKind == JsonValueKind.String && t.GetString() is { } name)
                        {
                            if (name == "null")
                            {
                                nullable = true;
                            }
                            else
                            {
                                single ??= name;
                            }
                        }
                    }

                    if (single is not null)
                    {
                        writer.WriteString("type", single);
                    }

                    break;
                case "nullable":
                    nullable |= property.Value.ValueKind == JsonValueKind.True;
                    break;
                case "const" when !hasEnum:
                    writer.WritePropertyName("enum");
                    writer.WriteStartArray();
                    property.Value.WriteTo(writer);
                    writer.WriteEndArray();
                    break;
                case "properties" when property.Value.ValueKind == JsonValueKind.Object:
                    writer.WritePropertyName("properties");
                    writer.WriteStartObject();
                    foreach (var child in property.Value.EnumerateObject())
                    {
                        writer.WritePropertyName(child.Name);
                        WriteSchema(writer, child.Value);
                    }

                    writer.WriteEndObject();
                    break;
                case "items":
                    writer.WritePropertyName("items");
                    WriteSchema(writer, property.Value);
                    break;
                case "anyOf" when property.Value.ValueKind == JsonValueKind.Array:
                    writer.WritePropertyName("anyOf");
                    writer.WriteStartArray();
                    foreach (var option in property.Value.EnumerateArray())
                    {
                        WriteSchema(writer, option);
                    }

                    writer.WriteEndArray();
                    break;
                default:
                    if (Kept.Contains(property.Name))
                    {
                        property.WriteTo(writer);
                    }

                    break;
            }
        }

        if (nullable)
        {
            writer.WriteBoolean("nullable", true);
        }

        writer.WriteEndObject();
    }
}
