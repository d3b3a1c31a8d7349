using LinqToDB;
using LinqToDB.Data;
using LinqToDB.DataProvider.MySql;
using LinqToDB.DataProvider.SQLite;
using ScaiGrid.Abstractions.Storage;

namespace ScaiGrid.Core.Storage;

/// <summary>The persistent store behind every feature: one set of linq2db options, a connection per use.</summary>
public sealed class ScaiGridDatabase : IScaiGridDatabase
{
    private readonly DataOptions _options;

    public ScaiGridDatabase(DatabaseUrl url)
    {
        Url = url;
        _options = url.Engine switch
        {
            DatabaseEngine.Sqlite => new DataOptions().UseSQLite(url.ConnectionString, SQLiteProvider.Microsoft),
            DatabaseEngine.MariaDb => new DataOptions().UseMySql(url.ConnectionString, MySqlVersion.MariaDB10, MySqlProvider.MySqlConnector),
            DatabaseEngine.PostgreSql => new DataOptions().UsePostgreSQL(url.ConnectionString),
            _ => throw new ArgumentOutOfRangeException(nameof(url)),
        };
        if (url.SqlitePath is { } path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        }
    }

    public DatabaseUrl Url { get; }

    public DatabaseEngine Engine => Url.Engine;

    public DataConnection Open() => new(_options);

    /// <summary>
    /// SQLite in WAL mode lets readers run beside the single writer; the setting persists in the file.
    /// </summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (Engine != DatabaseEngine.Sqlite)
        {
            return;
        }

        await using var db = Open();
        await db.ExecuteAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
    }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var db = Open();
        await db.ExecuteAsync<int>("SELECT 1", cancellationToken).ConfigureAwait(false);
    }
}
