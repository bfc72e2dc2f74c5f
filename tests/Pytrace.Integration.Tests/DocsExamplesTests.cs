using System.Text.RegularExpressions;
using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>
/// Every filter example a newcomer reads — the README's, docs/reader.md's and the reader's help — finds calls in
/// the trace of the example program they are told to run (`pytrace examples/app.py --user ann`), as written: no
/// correction. Examples naming a particular time, pid or tid are about the docs' sample trace; they must parse and
/// run, not match.
/// </summary>
public partial class DocsExamplesTests
{
    [Fact]
    public void Every_documented_filter_finds_calls_in_the_example_programs_trace()
    {
        using var run = new TracedRun("3.12");
        var app = Path.Combine(Repo.Root, "examples", "app.py");
        var traced = ProcessRun.Run(Repo.Pytrace, ["--python", run.Python, "--db", run.Db, app, "--user", "ann"], run.Folder);
        Assert.True(traced.ExitCode == 0, traced.Stderr);

        var examples = Examples().ToList();
        Assert.True(examples.Count >= 40, $"only {examples.Count} examples found: the docs' layout changed");
        var failures = new List<string>();
        foreach (var (source, filter) in examples)
        {
            var result = ProcessRun.Run(Repo.Pytrace, ["query", filter, "--db", run.Db, "--format", "jsonl"], run.Folder);
            bool placeholder = Placeholder().IsMatch(filter);
            bool ok = placeholder ? result.ExitCode is 0 or 1 && !result.Stderr.Contains("bad filter") : result.ExitCode == 0 && result.Stderr.Length == 0;
            if (!ok)
                failures.Add($"{source}: {filter}  ->  exit {result.ExitCode} {result.Stderr.Trim()}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // A time literal, a pid or a tid: values of the docs' own sample trace.
    [GeneratedRegex(@"\btime\b|\bpid ==|\btid ==")]
    private static partial Regex Placeholder();

    private static IEnumerable<(string Source, string Filter)> Examples()
    {
        // docs/reader.md: the block of examples under "## Filters", one filter per line, then its explanation.
        var reader = File.ReadAllText(Path.Combine(Repo.Root, "docs", "reader.md"));
        foreach (var line in Block(reader[reader.IndexOf("## Filters", StringComparison.Ordinal)..]))
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]))
                yield return ("docs/reader.md", Columns(line)[0]);
        // README: the block after "filters with Python-like expressions", several filters per line.
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "README.md"));
        foreach (var line in Block(readme[readme.IndexOf("filters with Python-like expressions", StringComparison.Ordinal)..]))
            foreach (var filter in Columns(line))
                yield return ("README.md", filter);
        // The reader's help: the lines between "filter examples" and "fields:".
        var help = File.ReadAllText(Path.Combine(Repo.Root, "src", "Pytrace.Reader", "Ui", "HelpText.cs"));
        var start = help.IndexOf("\"filter examples\"", StringComparison.Ordinal);
        foreach (Match m in HelpLine().Matches(help[start..help.IndexOf("\"fields:", start, StringComparison.Ordinal)]))
            foreach (var filter in Columns(m.Groups[1].Value.Replace("\\\\", "\\").Trim()))
                if (!filter.StartsWith('('))  // "(• marks a pytrace.log() record)" is a remark
                    yield return ("help", filter);
        // The command line's own examples (`pytrace query --help`): the filters they quote.
        foreach (var command in new[] { "query", "stats", "export" })
        {
            var usage = ProcessRun.Run(Repo.Pytrace, [command, "--help"]).Stdout;
            foreach (Match m in CommandExample().Matches(usage[usage.IndexOf("Examples:", StringComparison.Ordinal)..]))
                yield return ($"pytrace {command} --help", m.Groups[1].Value);
        }
    }

    [GeneratedRegex("(?:query|stats|--filter) \"([^\"]+)\"")]
    private static partial Regex CommandExample();

    [GeneratedRegex("^\\s*\"  (.*)\",$", RegexOptions.Multiline)]
    private static partial Regex HelpLine();

    /// <summary>The lines of the first ``` block in TEXT.</summary>
    private static IEnumerable<string> Block(string text)
    {
        int open = text.IndexOf("```", StringComparison.Ordinal);
        int from = text.IndexOf('\n', open) + 1;
        return text[from..text.IndexOf("```", from, StringComparison.Ordinal)].Split('\n').Select(l => l.TrimEnd());
    }

    // Filters and remarks are set apart by three or more spaces (filters themselves have no double spaces).
    private static List<string> Columns(string line) =>
        Regex.Split(line.Trim(), " {3,}").Where(c => c.Length > 0).ToList();
}
