using System.Text.Json;
using Pytrace.Reader.Commands;

namespace Pytrace.Reader.Tests.Support;

/// <summary>The ids of the calls `pytrace query FILTER` prints for a database, in its order.</summary>
public static class MatchingIds
{
    public static List<long> Of(string dbPath, string filter)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = QueryCommand.Run([filter, "--db", dbPath, "--format", "jsonl"], stdout, stderr);
        Assert.True(code is 0 or 1, stderr.ToString());
        return stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetInt64()).ToList();
    }
}
