using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using ScaiGrid.Abstractions.Storage;
using ScaiGrid.Testing.Databases;

namespace ScaiGrid.Core.Tests.Configuration;

/// <summary>
/// Every row of every table, as text, read with plain ADO.NET (not the row classes) so no column and no
/// table — migration bookkeeping included — escapes a comparison or a search for leaked plaintext.
/// </summary>
internal static class DatabaseDump
{
    public static async Task<SortedDictionary<string, List<string>>> TakeAsync(TestDatabase db)
    {
        await using DbConnection connection = db.Engine == DatabaseEngine.Sqlite
            ? new SqliteConnection(db.Url.ConnectionString)
            : new MySqlConnection(db.Url.ConnectionString);
        await connection.OpenAsync();

        var tables = new List<string>();
        var listing = db.Engine == DatabaseEngine.Sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            : "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()";
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = listing;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var dump = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            var rows = new List<string>();
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM `{table}`";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var cells = new List<string>();
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    cells.Add(reader.GetName(i) + "=" + Text(reader.GetValue(i)));
                }

                rows.Add(string.Join(" | ", cells));
            }

            rows.Sort(StringComparer.Ordinal);
            dump[table] = rows;
        }

        return dump;
    }

    public static string AllText(SortedDictionary<string, List<string>> dump) =>
        string.Join("\n", dump.SelectMany(t => t.Value.Select(r => t.Key + ": " + r)));

    /// <summary>The rows (as "table: row") present in <paramref name="after"/> but not in <paramref name="before"/>.</summary>
    public static List<string> Added(SortedDictionary<string, List<string>> before, SortedDictionary<string, List<string>> after) =>
        after.SelectMany(t => t.Value.Except(before.GetValueOrDefault(t.Key) ?? []).Select(r => t.Key + ": " + r)).ToList();

    private static string Text(object value) => value switch
    {
        DBNull => "NULL",
        byte[] bytes => Convert.ToBase64String(bytes),
        bool flag => flag ? "1" : "0",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
