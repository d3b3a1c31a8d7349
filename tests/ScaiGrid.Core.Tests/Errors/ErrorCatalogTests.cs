using System.Text.RegularExpressions;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Testing;

namespace ScaiGrid.Core.Tests.Errors;

public sealed class ErrorCatalogTests
{
    [Fact]
    public void DocsErrorsTable_ListsEveryCodeWithItsStatuses()
    {
        var doc = File.ReadAllText(RepoPaths.Combine("docs", "errors.md"));
        var rows = Regex.Matches(doc, @"^\| `([A-Z_]+)` \| (\d{3}) \| `([A-Z_]+)` \|", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => (int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[3].Value));

        Assert.Equal(ErrorCodes.All.Select(c => c.Code).Order(), rows.Keys.Order());
        foreach (var code in ErrorCodes.All)
        {
            Assert.Equal(code.HttpStatus, rows[code.Code].Item1);
            Assert.Equal(ToScreamingSnake(code.GrpcStatus.ToString()), rows[code.Code].Item2);
        }
    }

    [Fact]
    public void Codes_AreUniqueAndScreamingSnakeCase()
    {
        Assert.Equal(ErrorCodes.All.Count, ErrorCodes.All.Select(c => c.Code).Distinct().Count());
        Assert.All(ErrorCodes.All, c => Assert.Matches("^[A-Z][A-Z_]+$", c.Code));
        Assert.All(ErrorCodes.All, c => Assert.Same(c, ErrorCodes.Find(c.Code)));
    }

    private static string ToScreamingSnake(string pascal) => Regex.Replace(pascal, "(?<=[a-z])([A-Z])", "_$1").ToUpperInvariant();
}
