using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>
/// The exports other tools open (Perfetto's JSON, speedscope, folded stacks, the SVG flame graph in a real browser),
/// `pytrace stats` against counts computed from the database, and `pytrace diff` on real runs of one program.
/// </summary>
public sealed class SeeAndCompareTests : IDisposable
{
    private const string Program = """
        import sys, threading, time

        def leaf(n):
            return n * 2

        def work(n):
            total = 0
            for i in range(n):
                total += leaf(i)
            if n == 3:
                try:
                    raise ValueError("three")
                except ValueError:
                    pass
            return total

        def fails():
            raise KeyError("k")

        def main():
            for n in range(5):
                work(n)
            try:
                fails()
            except KeyError:
                pass
            t = threading.Thread(target=work, args=(4,), name="side")
            t.start()
            t.join()
            print(work(int(sys.argv[1]) if len(sys.argv) > 1 else 2))

        main()
        """;

    private readonly TracedRun _run = new("3.12");

    public void Dispose() => _run.Dispose();

    private string Recorded(string db = "traces.sqlite", params string[] args)
    {
        var script = _run.Write("prog.py", Program);
        var result = ProcessRun.Run(Repo.Pytrace, ["--python", _run.Python, "--db", db, script, .. args], _run.Folder);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return Path.Combine(_run.Folder, db);
    }

    private ProcessResult Pytrace(params string[] args) => ProcessRun.Run(Repo.Pytrace, args, _run.Folder);

    private long Scalar(string db, string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }

    [Fact]
    public void Chrome_export_has_one_nested_complete_event_per_call_and_names_every_thread()
    {
        var db = Recorded();
        var export = Pytrace("export", "--db", db, "--format", "chrome");
        Assert.True(export.ExitCode == 0, export.Stderr);
        using var json = JsonDocument.Parse(export.Stdout);
        var events = json.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        var slices = events.Where(e => e.GetProperty("ph").GetString() == "X").ToList();
        Assert.Equal(Scalar(db, "SELECT count(*) FROM calls WHERE kind != 2"), slices.Count);
        Assert.Equal(Scalar(db, "SELECT count(*) FROM threads"), events.Count(e => e.GetProperty("name").GetString() == "thread_name"));
        Assert.Contains(events, e => e.GetProperty("name").GetString() == "thread_name" && e.GetProperty("args").GetProperty("name").GetString() == "side");
        Assert.Contains(slices, e => e.GetProperty("name").GetString() == "__main__.fails" && e.GetProperty("args").GetProperty("exception").GetString() == "KeyError('k')");
        Assert.Contains(slices, e => e.GetProperty("name").GetString() == "__main__.leaf" && e.GetProperty("args").GetProperty("arguments").GetProperty("n").GetString() == "1"
                                     && e.GetProperty("args").GetProperty("location").GetString()!.EndsWith("prog.py:3", StringComparison.Ordinal));
        foreach (var thread in slices.GroupBy(e => (e.GetProperty("pid").GetInt64(), e.GetProperty("tid").GetInt64())))
        {
            Assert.InRange(thread.Key.Item1, 1, uint.MaxValue);
            Assert.InRange(thread.Key.Item2, 1, uint.MaxValue);
            // Sorted by start (longest first on a tie), each slice lies inside the innermost open one or after it.
            var open = new Stack<double>();
            foreach (var e in thread.OrderBy(e => e.GetProperty("ts").GetDouble()).ThenByDescending(e => e.GetProperty("dur").GetDouble()))
            {
                double ts = e.GetProperty("ts").GetDouble(), end = ts + e.GetProperty("dur").GetDouble();
                while (open.Count > 0 && open.Peek() <= ts + 1e-3) open.Pop();
                if (open.Count > 0) Assert.True(end <= open.Peek() + 1e-3, $"slice at {ts} ends after its parent");
                open.Push(end);
            }
        }
    }

    [Fact]
    public void A_filtered_export_keeps_only_the_calls_the_filter_matches()
    {
        var db = Recorded();
        var chrome = Pytrace("export", "--db", db, "--format", "chrome", "--filter", "func == 'leaf' and thread == 'side'");
        Assert.True(chrome.ExitCode == 0, chrome.Stderr);
        using var json = JsonDocument.Parse(chrome.Stdout);
        var slices = json.RootElement.GetProperty("traceEvents").EnumerateArray().Where(e => e.GetProperty("ph").GetString() == "X").ToList();
        Assert.Equal(4, slices.Count); // work(4) in the side thread calls leaf four times
        Assert.All(slices, e => Assert.Equal("__main__.leaf", e.GetProperty("name").GetString()));
        var folded = Pytrace("export", "--db", db, "--format", "folded", "--filter", "func == 'work'");
        Assert.True(folded.ExitCode == 0, folded.Stderr);
        Assert.All(folded.Stdout.TrimEnd('\n').Split('\n'), l => Assert.StartsWith("__main__.work ", l));
        var bad = Pytrace("export", "--db", db, "--format", "folded", "--filter", "func ==");
        Assert.Equal(2, bad.ExitCode);
        Assert.StartsWith("pytrace export: bad filter at ", bad.Stderr);
    }

    [Fact]
    public void Speedscope_export_has_balanced_events_in_time_order_per_thread_over_shared_frames()
    {
        var db = Recorded();
        var export = Pytrace("export", "--db", db, "--format", "speedscope");
        Assert.True(export.ExitCode == 0, export.Stderr);
        using var json = JsonDocument.Parse(export.Stdout);
        Assert.Equal("https://www.speedscope.app/file-format-schema.json", json.RootElement.GetProperty("$schema").GetString());
        var frames = json.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray().ToList();
        Assert.All(frames, f => Assert.True(f.GetProperty("line").GetInt32() > 0 && f.GetProperty("file").GetString()!.Length > 0));
        var profiles = json.RootElement.GetProperty("profiles").EnumerateArray().ToList();
        Assert.Equal(Scalar(db, "SELECT count(DISTINCT thread) FROM calls"), profiles.Count);
        long opens = 0;
        foreach (var profile in profiles)
        {
            Assert.Equal("evented", profile.GetProperty("type").GetString());
            var stack = new Stack<int>();
            long last = profile.GetProperty("startValue").GetInt64();
            foreach (var e in profile.GetProperty("events").EnumerateArray())
            {
                long at = e.GetProperty("at").GetInt64();
                int frame = e.GetProperty("frame").GetInt32();
                Assert.True(at >= last, "events out of time order");
                Assert.InRange(frame, 0, frames.Count - 1);
                last = at;
                if (e.GetProperty("type").GetString() == "O") { stack.Push(frame); opens++; }
                else Assert.Equal(stack.Pop(), frame);
            }
            Assert.Empty(stack);
            Assert.True(last <= profile.GetProperty("endValue").GetInt64());
        }
        Assert.Equal(Scalar(db, "SELECT count(*) FROM calls WHERE kind != 2"), opens);
    }

    [Fact]
    public void Folded_stacks_are_one_line_per_stack_with_self_microseconds()
    {
        var db = Recorded();
        var export = Pytrace("export", "--db", db, "--format", "folded");
        Assert.True(export.ExitCode == 0, export.Stderr);
        var lines = export.Stdout.TrimEnd('\n').Split('\n');
        Assert.All(lines, l => Assert.Matches(@"^[^ ;]+(;[^ ;]+)* [1-9][0-9]*$", l));
        Assert.Equal(lines.Length, lines.Select(l => l[..l.LastIndexOf(' ')]).Distinct().Count());
        Assert.Contains(lines, l => l.StartsWith("__main__.<module>;__main__.main;__main__.work;__main__.leaf ", StringComparison.Ordinal)
                                    || l.StartsWith("__main__.<module>;__main__.main;__main__.work ", StringComparison.Ordinal));
        // Self times add up to no more than the time of the outermost calls.
        long selfMicros = lines.Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..]));
        Assert.InRange(selfMicros, 1, Scalar(db, "SELECT sum(duration) FROM calls WHERE depth = 0") / 1000);
    }

    [Fact]
    public void The_flame_graph_is_a_self_contained_svg_that_a_real_browser_draws()
    {
        var db = Recorded();
        var svg = Path.Combine(_run.Folder, "flame.svg");
        var export = Pytrace("export", "--db", db, "--format", "flamegraph", "-o", svg);
        Assert.True(export.ExitCode == 0, export.Stderr);
        var document = new XmlDocument();
        document.Load(svg);
        var text = File.ReadAllText(svg);
        Assert.DoesNotMatch("(href|src)=\"https?:", text);
        Assert.Contains("__main__.work", text);
        var browser = Browser.Find();
        // --dump-dom shows the document after its script ran: place() set each box's style and cut the labels.
        var dom = ProcessRun.Run(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + svg], _run.Folder,
            timeout: TimeSpan.FromSeconds(60));
        Assert.True(dom.ExitCode == 0, dom.Stderr);
        Assert.DoesNotContain("Uncaught", dom.Stderr);
        Assert.Matches("<g class=\"f\"[^>]*style=\"[^\"]*opacity: 1", dom.Stdout);
        var png = Path.Combine(_run.Folder, "flame.png");
        var shot = ProcessRun.Run(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,400",
            "--screenshot=" + png, "file://" + svg], _run.Folder, timeout: TimeSpan.FromSeconds(60));
        Assert.True(shot.ExitCode == 0 && File.Exists(png), shot.Stderr);
        Assert.True(new FileInfo(png).Length > 5000, "the screenshot is nearly empty");
    }

    [Fact]
    public void Stats_agree_with_counts_computed_from_the_database()
    {
        var db = Recorded();
        var stats = Pytrace("stats", "--db", db, "--limit", "0", "--sort", "calls");
        Assert.True(stats.ExitCode == 0, stats.Stderr);
        var rows = stats.Stdout.Split('\n').Skip(1).Where(l => l.Length > 0)
            .Select(l => Regex.Match(l, @"^\s*([\d,]+) +(\S+ \S+) +(\S+ \S+) +(\S+ \S+) +([\d,]+)  (\S+) \(").Groups)
            .ToDictionary(g => g[6].Value, g => (Calls: long.Parse(g[1].Value.Replace(",", "")), Exceptions: long.Parse(g[5].Value.Replace(",", ""))));
        Assert.Equal(Scalar(db, "SELECT count(*) FROM calls c JOIN functions f ON f.id = c.function WHERE f.name = 'leaf'"), rows["__main__.leaf"].Calls);
        Assert.Equal(Scalar(db, "SELECT count(*) FROM calls c JOIN functions f ON f.id = c.function WHERE f.name = 'work'"), rows["__main__.work"].Calls);
        Assert.Equal(1, rows["__main__.fails"].Exceptions);
        Assert.Equal(Scalar(db, "SELECT count(DISTINCT function) FROM calls WHERE kind != 2"), rows.Count);
        // Filtered: only work's calls in the side thread; its self time still leaves its children out.
        var side = Pytrace("stats", "--db", db, "thread == 'side' and func == 'work'");
        Assert.True(side.ExitCode == 0, side.Stderr);
        Assert.Matches(@"\n\s+1 .*__main__\.work \(", side.Stdout);
    }

    [Fact]
    public void Diff_of_two_runs_of_a_deterministic_program_is_empty()
    {
        var a = Recorded("a.sqlite");
        var b = Recorded("b.sqlite");
        var diff = Pytrace("diff", a, b);
        Assert.True(diff.ExitCode == 0, diff.Stdout + diff.Stderr);
        Assert.Contains("no difference", diff.Stdout);
    }

    [Fact]
    public void Diff_names_the_one_call_that_changed_and_its_path()
    {
        var first = Recorded("one.sqlite", "2");
        var second = Recorded("two.sqlite", "3");
        var diff = Pytrace("diff", first, second);
        Assert.Equal(1, diff.ExitCode);
        // The last work() call gets 3 instead of 2: that is where the runs part, below main.
        Assert.Contains("at  __main__.<module> → __main__.main → __main__.work", diff.Stdout);
        Assert.Matches(@"a:  __main__\.work\(n=2\)  = 2 ", diff.Stdout);
        Assert.Matches(@"b:  __main__\.work\(n=3\)  = 6 ", diff.Stdout);
        var jsonl = Pytrace("diff", first, second, "--format", "jsonl");
        Assert.Equal(1, jsonl.ExitCode);
        var lines = jsonl.Stdout.TrimEnd('\n').Split('\n');
        using var head = JsonDocument.Parse(lines[0]);
        Assert.Equal("changed", head.RootElement.GetProperty("kind").GetString());
        Assert.Equal(["__main__.<module>", "__main__.main", "__main__.work"],
            head.RootElement.GetProperty("a").GetProperty("path").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(2, Pytrace("diff", Path.Combine(_run.Folder, "missing.sqlite"), first).ExitCode);
    }
}
