using System.Globalization;
using MySqlConnector;
using Npgsql;
using ScaiGrid.Abstractions.Storage;

namespace ScaiGrid.Core.Storage;

/// <summary>
/// A parsed <c>SCAIGRID_DATABASE_URL</c>: <c>sqlite:PATH</c> (or <c>sqlite:///abs/path</c>),
/// <c>mariadb://user:pass@host1[:port],host2/db?opt=v</c> (several hosts = a Galera cluster, used in
/// fail-over order), <c>postgres://user:pass@host[:port]/db</c>.
/// </summary>
public sealed record DatabaseUrl(DatabaseEngine Engine, string ConnectionString, string Display, string? SqlitePath)
{
    public static DatabaseUrl Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var colon = url.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new FormatException("expected a URL such as sqlite:./data/scaigrid.db or mariadb://user:pass@host/db");
        }

        var scheme = url[..colon].ToLowerInvariant();
        return scheme switch
        {
            "sqlite" => ParseSqlite(url[(colon + 1)..]),
            "mariadb" or "mysql" => ParseMariaDb(url),
            "postgres" or "postgresql" => ParsePostgres(url),
            _ => throw new FormatException($"unsupported scheme '{scheme}' (use sqlite:, mariadb:// or postgres://)"),
        };
    }

    private static DatabaseUrl ParseSqlite(string rest)
    {
        // sqlite:///abs/path -> /abs/path ; sqlite://rel/path and sqlite:rel/path -> rel/path
        var path = rest.StartsWith("///", StringComparison.Ordinal) ? rest[2..]
            : rest.StartsWith("//", StringComparison.Ordinal) ? rest[2..]
            : rest;
        if (path.Length == 0)
        {
            throw new FormatException("the SQLite URL has no file path");
        }

        var full = Path.GetFullPath(path);
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
        {
            DataSource = full,
            Pooling = true,
            ForeignKeys = true,
            // Sets sqlite3_busy_timeout: concurrent writers wait instead of failing with SQLITE_BUSY.
            DefaultTimeout = 30,
        };
        return new DatabaseUrl(DatabaseEngine.Sqlite, builder.ConnectionString, "sqlite:" + full, full);
    }

    private static (string User, string Password, string Hosts, string Database, Dictionary<string, string> Query) SplitServerUrl(string url)
    {
        // Uri cannot hold several hosts, so the authority is split by hand.
        var afterScheme = url[(url.IndexOf("://", StringComparison.Ordinal) is var i and >= 0 ? i + 3 : throw new FormatException("expected scheme://user:pass@host/db"))..];
        var queryAt = afterScheme.IndexOf('?', StringComparison.Ordinal);
        var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (queryAt >= 0)
        {
            foreach (var pair in afterScheme[(queryAt + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
                query[key] = eq < 0 ? "true" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            }

            afterScheme = afterScheme[..queryAt];
        }

        var slash = afterScheme.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || slash == afterScheme.Length - 1)
        {
            throw new FormatException("the URL names no database (…@host/DATABASE)");
        }

        var database = Uri.UnescapeDataString(afterScheme[(slash + 1)..]);
        var authority = afterScheme[..slash];
        var at = authority.LastIndexOf('@');
        var user = string.Empty;
        var password = string.Empty;
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var c = userInfo.IndexOf(':', StringComparison.Ordinal);
            user = Uri.UnescapeDataString(c < 0 ? userInfo : userInfo[..c]);
            password = c < 0 ? string.Empty : Uri.UnescapeDataString(userInfo[(c + 1)..]);
        }

        if (authority.Length == 0)
        {
            throw new FormatException("the URL names no host");
        }

        return (user, password, authority, database, query);
    }

    private static DatabaseUrl ParseMariaDb(string url)
    {
        var (user, password, hosts, database, query) = SplitServerUrl(url);
        var servers = new List<string>();
        uint? port = null;
        foreach (var host in hosts.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var c = host.LastIndexOf(':');
            if (c > 0 && uint.TryParse(host[(c + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var p))
            {
                // MySqlConnector has one port for all servers; Galera nodes share theirs.
                if (port is not null && port != p)
                {
                    throw new FormatException("all MariaDB hosts must use the same port");
                }

                port = p;
                servers.Add(host[..c]);
            }
            else
            {
                servers.Add(host);
            }
        }

        var builder = new MySqlConnectionStringBuilder
        {
            Server = string.Join(',', servers),
            Port = port ?? 3306,
            Database = database,
            UserID = user,
            Password = password,
            Pooling = true,
            // Galera: write to one node until it fails, to avoid certification conflicts between nodes.
            LoadBalance = MySqlLoadBalance.FailOver,
            ConnectionTimeout = 10,
            SslMode = MySqlSslMode.Preferred,
            CharacterSet = "utf8mb4",
        };
        foreach (var (key, value) in query)
        {
            builder[key] = value;
        }

        var display = $"mariadb://{user}:***@{hosts}/{database}";
        return new DatabaseUrl(DatabaseEngine.MariaDb, builder.ConnectionString, display, null);
    }

    private static DatabaseUrl ParsePostgres(string url)
    {
        var (user, password, hosts, database, query) = SplitServerUrl(url);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = hosts,
            Database = database,
            Username = user,
            Password = password,
            Pooling = true,
        };
        foreach (var (key, value) in query)
        {
            builder[key] = value;
        }

        return new DatabaseUrl(DatabaseEngine.PostgreSql, builder.ConnectionString, $"postgres://{user}:***@{hosts}/{database}", null);
    }
}
