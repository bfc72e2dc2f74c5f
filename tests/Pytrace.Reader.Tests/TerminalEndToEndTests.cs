using System.Diagnostics;
using Pytrace.Reader.Tests.Support;
using Pytrace.Reader.Text;

namespace Pytrace.Reader.Tests;

/// <summary>
/// Drives the real `pytrace` binary in a pseudo-terminal (tmux): open, search, filter, follow a database that
/// this test process keeps writing. PYTRACE_BIN overrides the binary; tmux comes from `.ci/run`.
/// </summary>
public sealed class TerminalEndToEndTests : IDisposable
{
    private readonly TempDb _db = new();

    public void Dispose() => _db.Dispose();

    private static string Binary()
    {
        if (Environment.GetEnvironmentVariable("PYTRACE_BIN") is { Length: > 0 } bin)
            return bin;
        // The NativeAOT build users get, as ./pytrace and test.sh publish it.
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Directory.Build.props")))
            root = root.Parent;
        return Path.Combine(root!.FullName, "artifacts", "pytrace", "pytrace");
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''") + "'";

    [Fact]
    public void OpenSearchFilterAndFollowInARealTerminal()
    {
        Assert.True(Tmux.Available, "tmux is not installed: the terminal tests need it (.ci/run installs it; apt-get install tmux)");
        var binary = Binary();
        Assert.True(File.Exists(binary), $"no pytrace binary at {binary}: build the solution first (dotnet build)");
        Shop.Write(_db.Path);
        AssertRoutesToTheReader(binary);

        // `pytrace` with no arguments reads ./traces.sqlite.
        // Its own state folder: the prompts' history of a test run stays out of the user's.
        using var tmux = new Tmux($"cd {Quote(_db.Folder)} && XDG_STATE_HOME={Quote(_db.Folder)} TERM=xterm-256color {Quote(binary)}; echo EXIT=$?; sleep 60");
        tmux.WaitFor("→ shop.checkout(cart=Cart<3 items>, user='ann')");
        tmux.WaitFor("6 / 6 calls");

        tmux.Keys("/");
        tmux.Keys("declined", literal: true);
        tmux.Keys("Enter");
        tmux.WaitFor("call 3 (50%)");
        tmux.Keys("n");
        tmux.WaitFor("pattern not found: declined");
        tmux.Keys("N");
        tmux.WaitFor("call 1 (16%)");

        tmux.Keys("&");
        tmux.Keys("func == 'checkout%'", literal: true);
        tmux.WaitFor("2 calls match");
        tmux.Keys("Enter");
        var screen = tmux.WaitFor("filter: func == 'checkout%'  |  2 / 6 calls");
        Assert.DoesNotContain("shop.price", screen);
        tmux.Keys("&");
        tmux.Keys("Enter");
        tmux.WaitFor("filter cleared");

        tmux.Resize(70, 20);
        tmux.WaitFor("→ shop.checkout(cart=Cart<3 items>, user='ann')\n");

        tmux.Keys("F");
        tmux.WaitFor("FOLLOWING: 0 new");
        using (var writer = new TraceBuilder(_db.Path) { Clock = TraceBuilder.LocalNs(2026, 11, 25, 12, 5, 0) })
        {
            writer.Thread(4321, 1, "MainThread");
            for (var i = 0; i < 30; i++)
            {
                writer.Leaf("shop", "late", "int", i.ToString(), ("i", "int", i.ToString()));
                Thread.Sleep(10);
            }
            // A call on screen as unfinished that then returns, with no call after it: only an UPDATE says so.
            writer.Enter("shop", "slow");
            tmux.WaitFor("→ shop.slow()  … unfinished");
            writer.Return("str", "'done'");
        }
        tmux.WaitFor("→ shop.slow()  = 'done'");
        tmux.WaitFor("→ shop.late(i=29)  = 29");
        tmux.WaitFor("FOLLOWING: 31 new");

        tmux.Keys("x");
        tmux.WaitFor("stopped following");
        tmux.Keys("q");
        screen = tmux.WaitFor("EXIT=0");
        Assert.DoesNotContain("shop.late", screen);
    }

    [Fact]
    public void FollowingReopensTheDatabaseWhenANewRunReplacesItAndSaysSo()
    {
        Assert.True(Tmux.Available, "tmux is not installed: the terminal tests need it (.ci/run installs it; apt-get install tmux)");
        var binary = Binary();
        Shop.Write(_db.Path);
        using var tmux = new Tmux($"cd {Quote(_db.Folder)} && XDG_STATE_HOME={Quote(_db.Folder)} TERM=xterm-256color {Quote(binary)}; echo EXIT=$?; sleep 60");
        tmux.WaitFor("6 / 6 calls");
        tmux.Keys("F");
        tmux.WaitFor("FOLLOWING: 0 new");

        // A new run: a new file in the database's place, as `pytrace SCRIPT` makes one.
        var next = Path.Combine(_db.Folder, "next.sqlite");
        using (var writer = new TraceBuilder(next))
        {
            writer.Thread(999, 1, "MainThread");
            writer.Leaf("app", "fresh", "int", "1", ("n", "int", "7"));
            writer.EndRun(0);
        }
        File.Move(next, _db.Path, overwrite: true);
        var screen = tmux.WaitFor("→ app.fresh(n=7)  = 1");
        Assert.Contains("a new run replaced the database: reopened, following it", screen);
        Assert.DoesNotContain("shop.checkout", screen);
        Assert.Contains("FOLLOWING", screen);

        // Not following: the reader says so and stays on what it shows.
        tmux.Keys("x");
        using (var writer = new TraceBuilder(next))
        {
            writer.Thread(999, 1, "MainThread");
            writer.Leaf("app", "third", "int", "3");
            writer.EndRun(0);
        }
        File.Move(next, _db.Path, overwrite: true);
        screen = tmux.WaitFor("a new run replaced this database: F follows it");
        Assert.Contains("app.fresh", screen);
        tmux.Keys("F");
        screen = tmux.WaitFor("→ app.third()  = 3");
        Assert.Contains("reopened, following it", screen);
        tmux.Keys("q"); // stops following
        tmux.Keys("q");
        tmux.WaitFor("EXIT=0");
    }

    [Fact]
    public void WideAndCombiningCharactersTakeTheirCellsInARealTerminal()
    {
        Assert.True(Tmux.Available, "tmux is not installed: the terminal tests need it (.ci/run installs it; apt-get install tmux)");
        var binary = Binary();
        Shop.Write(_db.Path, b =>
        {
            b.Leaf("shop", "greet", "str", "'ok'", ("name", "str", "'日本語テキスト'"));
            b.Leaf("shop", "accent", "str", "'cafe\u0301'", ("word", "str", "'e\u0301te\u0301'"));
        });
        using var tmux = new Tmux($"cd {Quote(_db.Folder)} && XDG_STATE_HOME={Quote(_db.Folder)} TERM=xterm-256color {Quote(binary)}; sleep 60", 120, 20);
        var wide = tmux.WaitFor("→ shop.greet(name='日本語テキスト')  = 'ok'").Split('\n').Single(l => l.Contains("shop.greet")).TrimEnd();
        var accent = tmux.Screen().Split('\n').Single(l => l.Contains("shop.accent")).TrimEnd();

        // Exactly as wide as the row: all of it on its line, the next row on the next line.
        foreach (var row in new[] { wide, accent })
        {
            tmux.Resize(Cells.Width(row), 20);
            var lines = WaitForLine(tmux, row);
            Assert.Contains(row, lines);
            Assert.All(lines.Where(l => l.Length > 0), l => Assert.True(l.StartsWith("12:01:", StringComparison.Ordinal) || l == "~" || l.Contains(" calls") || l.Contains("q: quit"), l));
        }
        // As many columns as the row has UTF-16 units, fewer than its cells: the row is cut at the screen's edge,
        // and nothing of it wraps onto the row under it, even when only the wide row is redrawn (the selection
        // moves onto it) and the row under it is not.
        tmux.Resize(wide.Length, 20);
        var cut = Cells.Slice(wide, 0, 0, wide.Length).TrimEnd();
        Assert.Contains(cut, WaitForLine(tmux, cut));
        tmux.Keys("G");
        tmux.Keys("k");
        tmux.Keys("k");
        tmux.Keys("j");
        Thread.Sleep(300);
        var after = tmux.Screen().Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.StartsWith("12:01:", after[after.FindIndex(l => l.Contains("shop.greet")) + 1]);
    }

    private static List<string> WaitForLine(Tmux tmux, string line)
    {
        for (var i = 0; i < 100; i++)
        {
            var lines = tmux.Screen().Split('\n').Select(l => l.TrimEnd()).ToList();
            if (lines.Contains(line))
                return lines;
            Thread.Sleep(50);
        }
        return tmux.Screen().Split('\n').Select(l => l.TrimEnd()).ToList();
    }

    private void AssertRoutesToTheReader(string binary)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "query", "func == 'helper'", "--db", _db.Path })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0 && output.Contains("shop.helper(x=5)"),
            $"`{binary} query` does not reach Pytrace.Reader (exit {process.ExitCode}): {output}{error}");
    }

    [Fact]
    public void OutputRedirectedToAFileSharedWithOtherWritersKeepsEveryLine()
    {
        var binary = Binary();
        Assert.True(File.Exists(binary), $"no pytrace binary at {binary}: build the solution first (dotnet build)");
        Shop.Write(_db.Path);
        var log = Path.Combine(_db.Folder, "out.txt");
        // One file descriptor shared by the shell, pytrace's stdout and its stderr: nothing may overwrite anything.
        var script = $"{{ echo header; {Quote(binary)} query \"depth == 0\" --db {Quote(_db.Path)}; " +
                     $"{Quote(binary)} query \"func == 'chekout'\" --db {Quote(_db.Path)}; echo footer; }} > {Quote(log)} 2>&1";
        using var shell = Process.Start(new ProcessStartInfo("sh") { ArgumentList = { "-c", script } })!;
        shell.WaitForExit();
        var lines = File.ReadAllLines(log);
        Assert.Equal(8, lines.Length);
        Assert.Equal("header", lines[0]);
        Assert.Contains("→ shop.checkout(cart=Cart<3 items>, user='ann')", lines[1]);
        Assert.Contains("→ shop.checkout_fast(user='bob')", lines[4]);
        Assert.Equal("pytrace query: no call matched: no func 'chekout' — showing func == 'checkout'", lines[5]);
        Assert.Contains("→ shop.checkout(cart=Cart<3 items>, user='ann')", lines[6]); // the corrected filter's call
        Assert.Equal("footer", lines[7]);
    }
}
