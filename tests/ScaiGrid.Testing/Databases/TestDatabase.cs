using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using ScaiGrid.Abstractions.Storage;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Storage.Migrations;
using Xunit;

namespace ScaiGrid.Testing.Databases;

/// <summary>
/// A fresh, private database for one test: a SQLite file in a temp folder, or a new MariaDB database on
/// the server scripts/test.sh started (<c>SCAIGRID_TEST_MARIADB_URL</c>). Dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string MariaDbUrlVariable = "SCAIGRID_TEST_MARIADB_URL";
    public const string RedisUrlVariable = "SCAIGRID_TEST_REDIS_URL";

    private readonly string? _directory;
    private readonly string? _mariaDbName;
    private readonly string? _adminConnectionString;

    private TestDatabase(string url, string? directory, string? mariaDbName, string? adminConnectionString)
    {
        UrlString = url;
        Url = DatabaseUrl.Parse(url);
        Database = new ScaiGridDatabase(Url);
        _directory = directory;
        _mariaDbName = mariaDbName;
        _adminConnectionString = adminConnectionString;
    }

    /// <summary>The engines every storage test runs against.</summary>
    public static TheoryData<string> Engines => new() { "sqlite", "mariadb" };

    /// <summary>The value for <c>SCAIGRID_DATABASE_URL</c>.</summary>
    public string UrlString { get; }

    public DatabaseUrl Url { get; }

    public ScaiGridDatabase Database { get; }

    public DatabaseEngine Engine => Url.Engine;

    public static string RequireEnvironment(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set: run the suite with scripts/test.sh, which starts MariaDB and Redis on 127.0.0.1.");

    public static async Task<TestDatabase> CreateAsync(string engine, bool migrate = true)
    {
        TestDatabase db;
        switch (engine)
        {
            case "sqlite":
                var dir = Path.Combine(Path.GetTempPath(), "scaigrid-tests", Guid.NewGuid().ToString("N"));
                Directory.CreateDirectory(dir);
                db = new TestDatabase("sqlite:" + Path.Combine(dir, "scaigrid.db"), dir, null, null);
                break;
            case "mariadb":
                var server = DatabaseUrl.Parse(RequireEnvironment(MariaDbUrlVariable));
                var name = "sgt_" + Guid.NewGuid().ToString("N")[..16];
                var admin = new MySqlConnectionStringBuilder(server.ConnectionString) { Database = string.Empty }.ConnectionString;
                await using (var connection = new MySqlConnection(admin))
                {
                    await connection.OpenAsync();
                    await using var command = connection.CreateCommand();
                    command.CommandText = $"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci";
                    await command.ExecuteNonQueryAsync();
                }

                var raw = RequireEnvironment(MariaDbUrlVariable);
                var url = raw[..(raw.LastIndexOf('/') + 1)] + name;
                db = new TestDatabase(url, null, name, admin);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(engine), engine, "sqlite or mariadb");
        }

        await db.Database.PrepareAsync(CancellationToken.None);
        if (migrate)
        {
            var report = db.CreateMigrator().MigrateUp([MigrationStream.Core]);
            if (!report.Succeeded)
            {
                throw new InvalidOperationException("core migration failed: " + string.Join("; ", report.Streams.Select(s => s.Error)));
            }
        }

        return db;
    }

    public SchemaMigrator CreateMigrator() => new(Database, NullLogger<SchemaMigrator>.Instance);

    public async ValueTask DisposeAsync()
    {
        if (_mariaDbName is not null)
        {
            await MySqlConnection.ClearPoolAsync(new MySqlConnection(Url.ConnectionString));
            await using var connection = new MySqlConnection(_adminConnectionString);
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"DROP DATABASE IF EXISTS `{_mariaDbName}`";
            await command.ExecuteNonQueryAsync();
        }

        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearPool(new Microsoft.Data.Sqlite.SqliteConnection(Url.ConnectionString));
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A server under test may still hold the file for a moment; the temp folder is disposable.
            }
        }
    }
}
