namespace ScaiGrid.Core.Configuration.Declarative;

/// <summary>
/// What one apply did (or, in a dry run, would do). <see cref="Changes"/> is for people and never
/// holds a secret; <see cref="GeneratedCredentials"/> is the only place a plaintext credential appears,
/// and only for keys this apply created (never in a dry run: nothing was stored, so nothing is usable).
/// </summary>
public sealed record ApplyResult(
    int Created,
    int Updated,
    int Unchanged,
    IReadOnlyList<string> Changes,
    IReadOnlyList<GeneratedCredential> GeneratedCredentials);

/// <summary>A credential apply generated because the file gave none. Shown once; only its hash is stored.</summary>
/// <param name="Kind"><c>api_key</c> or <c>service_token</c>.</param>
/// <param name="Owner">The user's email for an API key, the token's name for a service token.</param>
/// <param name="Name">The key's or token's name.</param>
/// <param name="Value">The plaintext credential.</param>
public sealed record GeneratedCredential(string Kind, string Owner, string Name, string Value)
{
    // Records print every member; keep the credential out of logs that format the whole object.
    public override string ToString() => $"{Kind} {Owner}/{Name}";
}

/// <summary>One thing wrong with a config file, at a path such as <c>models[0].routing.backends[1].backend</c>.</summary>
public sealed record ConfigProblem(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>
/// The file is invalid; nothing was written. <see cref="Problems"/> lists every problem found, so one run
/// tells the operator everything to fix. The message holds them one per line.
/// </summary>
public sealed class ConfigFileException : Exception
{
    public ConfigFileException(IReadOnlyList<ConfigProblem> problems)
        : base(string.Join(Environment.NewLine, problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<ConfigProblem> Problems { get; }
}
