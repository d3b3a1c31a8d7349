using System.Globalization;
using System.Text.RegularExpressions;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Core.OpenAICompat;
using ScaiGrid.Testing;

namespace ScaiGrid.Core.Tests.OpenAICompat;

public sealed class OpenAIErrorsTests
{
    [Fact]
    public void DocsMappingTable_ListsEveryCodeWithItsOpenAIStatusAndType()
    {
        var doc = File.ReadAllText(RepoPaths.Combine("docs", "api", "openai-compat.md"));
        var rows = new Dictionary<string, (int Status, string Type)>(StringComparer.Ordinal);
        foreach (Match row in Regex.Matches(doc, @"^\| ((?:`[A-Z_]+`(?:, )?)+) \| (\d{3})[^|]* \| `([a-z_]+)`", RegexOptions.Multiline))
        {
            foreach (Match code in Regex.Matches(row.Groups[1].Value, "`([A-Z_]+)`"))
            {
                rows.Add(code.Groups[1].Value, (int.Parse(row.Groups[2].Value, CultureInfo.InvariantCulture), row.Groups[3].Value));
            }
        }

        Assert.Equal(ErrorCodes.All.Select(c => c.Code).Order(), rows.Keys.Order());
        foreach (var code in ErrorCodes.All)
        {
            Assert.Equal((OpenAIErrors.StatusFor(code), OpenAIErrors.TypeFor(code)), rows[code.Code]);
        }
    }

    [Fact]
    public void Statuses_StayWithinWhatOpenAIClientsExpect()
    {
        // 5xx only as 500 or 503 (OpenAI's "Error codes" table); 4xx keep their HTTP meaning.
        Assert.All(ErrorCodes.All, c => Assert.Contains(OpenAIErrors.StatusFor(c), new[] { 400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 503 }));
    }
}
