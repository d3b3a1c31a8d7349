using LinqToDB.Data;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Security;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Configuration.Declarative;

/// <summary>
/// <c>scaigrid apply -f FILE</c>: brings the database to the state a YAML file declares (docs/config-file.md).
/// The whole file is read and validated first, with every problem reported at once; only a valid file is
/// applied, in one transaction, so a failure leaves the database as it was. Applying the same file again
/// changes nothing. Objects absent from the file are never deleted.
/// </summary>
public sealed class ConfigApplier(ScaiGridDatabase database, SecretProtector protector, CredentialHasher hasher)
{
    /// <summary>Reads and applies a file; an unreadable file is reported like any other problem.</summary>
    public async Task<ApplyResult> ApplyFileAsync(string path, Func<string, string?> environment, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        string yaml;
        try
        {
            yaml = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigFileException([new ConfigProblem(path, "cannot read the file: " + e.Message)]);
        }

        return await ApplyAsync(yaml, environment, dryRun, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Validates and applies <paramref name="yaml"/>. <paramref name="environment"/> resolves <c>${NAME}</c>
    /// (pass <see cref="Environment.GetEnvironmentVariable(string)"/> in production). With
    /// <paramref name="dryRun"/> every change is computed against the database and then rolled back.
    /// </summary>
    /// <exception cref="ConfigFileException">The file is invalid; nothing was written.</exception>
    public async Task<ApplyResult> ApplyAsync(string yaml, Func<string, string?> environment, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(environment);

        var problems = new List<ConfigProblem>();
        var file = ConfigYamlReader.Read(yaml, environment, problems);
        if (file is null)
        {
            throw new ConfigFileException(problems);
        }

        var db = database.Open();
        await using (db.ConfigureAwait(false))
        {
            // Validation reads inside the transaction that applies, so what it checked is what gets changed.
            var transaction = await db.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var existing = await ExistingState.LoadAsync(db, file, hasher, cancellationToken).ConfigureAwait(false);
                problems.AddRange(WithoutEchoes(ConfigValidator.Validate(file, existing, hasher), problems));
                if (problems.Count > 0)
                {
                    // Disposing the transaction without a commit rolls it back; nothing was written anyway.
                    throw new ConfigFileException(problems);
                }

                var run = new ConfigApplyRun(db, protector, hasher, existing, dryRun);
                await run.RunAsync(file, cancellationToken).ConfigureAwait(false);
                var result = run.Result();
                if (!dryRun && result.Created + result.Updated > 0)
                {
                    // In the same transaction as the changes: a replica that sees them also sees the marker move.
                    await ChangeMarkers.BumpAsync(db, ChangeMarkers.Topics, cancellationToken).ConfigureAwait(false);
                }

                await Finish(transaction, dryRun, cancellationToken).ConfigureAwait(false);
                return result;
            }
        }
    }

    private static Task Finish(DataConnectionTransaction transaction, bool dryRun, CancellationToken cancellationToken) =>
        dryRun ? transaction.RollbackAsync(cancellationToken) : transaction.CommitAsync(cancellationToken);

    /// <summary>
    /// Drops validator problems on the same field as a reading problem, or above or below it: a value that
    /// failed to read (an unset variable, "abc" for a number) is absent to the validator, which would add
    /// a misleading "required" for that field, or "give rpm, tpm or both" for the mapping holding it.
    /// </summary>
    private static IEnumerable<ConfigProblem> WithoutEchoes(IReadOnlyList<ConfigProblem> validation, List<ConfigProblem> reading)
    {
        var paths = reading.Select(p => p.Path).ToList();
        return validation.Where(p => !paths.Any(read => Related(read, p.Path)));
    }

    private static bool Related(string a, string b) => a == b || Contains(a, b) || Contains(b, a);

    private static bool Contains(string outer, string inner) =>
        inner.Length > outer.Length && inner.StartsWith(outer, StringComparison.Ordinal) && inner[outer.Length] is '.' or '[';
}
