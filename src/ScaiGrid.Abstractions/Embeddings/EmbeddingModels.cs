namespace ScaiGrid.Abstractions.Embeddings;

public sealed class EmbeddingRequest
{
    /// <summary>The frontend model slug.</summary>
    public required string Model { get; init; }

    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary>Requested output dimensions, for models that can shorten their vectors.</summary>
    public int? Dimensions { get; init; }

    public string? User { get; init; }

    public EmbeddingRequest WithModel(string model) => new() { Model = model, Inputs = Inputs, Dimensions = Dimensions, User = User };
}

public sealed class EmbeddingResponse
{
    /// <summary>One vector per input, in input order.</summary>
    public required IReadOnlyList<float[]> Embeddings { get; init; }

    public required long InputTokens { get; init; }

    public string? UpstreamModel { get; init; }
}
