using MySqlConnector;
using ScaiGrid.Abstractions.Storage;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Tests.Storage;

public sealed class DatabaseUrlTests
{
    [Fact]
    public void Parse_GaleraHosts_ListsEveryServerWithFailOver()
    {
        var url = DatabaseUrl.Parse("mariadb://app:p%40ss@db1:3307,db2:3307,db3:3307/scaigrid?SslMode=Required");

        Assert.Equal(DatabaseEngine.MariaDb, url.Engine);
        var builder = new MySqlConnectionStringBuilder(url.ConnectionString);
        Assert.Equal("db1,db2,db3", builder.Server);
        Assert.Equal(3307u, builder.Port);
        Assert.Equal("scaigrid", builder.Database);
        Assert.Equal("app", builder.UserID);
        Assert.Equal("p@ss", builder.Password);
        Assert.Equal(MySqlLoadBalance.FailOver, builder.LoadBalance);
        Assert.Equal(MySqlSslMode.Required, builder.SslMode);
        Assert.DoesNotContain("p@ss", url.Display, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HostsWithDifferentPorts_IsRefused()
    {
        var ex = Assert.Throws<FormatException>(() => DatabaseUrl.Parse("mariadb://u:p@db1:3306,db2:3307/x"));

        Assert.Contains("same port", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sqlite:data/x.db", "data/x.db")]
    [InlineData("sqlite://data/x.db", "data/x.db")]
    [InlineData("sqlite:///tmp/x.db", "/tmp/x.db")]
    public void Parse_SqliteForms_ResolveTheFilePath(string value, string path)
    {
        var url = DatabaseUrl.Parse(value);

        Assert.Equal(DatabaseEngine.Sqlite, url.Engine);
        Assert.Equal(Path.GetFullPath(path), url.SqlitePath);
    }

    [Fact]
    public void Parse_Postgres_BuildsNpgsqlConnectionString()
    {
        var url = DatabaseUrl.Parse("postgres://sg:pw@pg.internal:5433/scaigrid");

        Assert.Equal(DatabaseEngine.PostgreSql, url.Engine);
        Assert.Contains("Host=pg.internal:5433", url.ConnectionString, StringComparison.Ordinal);
        Assert.Contains("Database=scaigrid", url.ConnectionString, StringComparison.Ordinal);
    }
}
