using LinqToDB.Data;

namespace ScaiGrid.Abstractions.Storage;

/// <summary>The persistent store (SQLite, MariaDB/Galera or PostgreSQL) as linq2db connections.</summary>
public interface IScaiGridDatabase
{
    DatabaseEngine Engine { get; }

    /// <summary>A new connection; dispose it when done. Queries are parameterised by linq2db.</summary>
    DataConnection Open();
}

public enum DatabaseEngine
{
    Sqlite,
    MariaDb,
    PostgreSql,
}
