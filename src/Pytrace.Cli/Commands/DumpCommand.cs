using System.Globalization;
using Pytrace.Dumper;
using Pytrace.Storage;
using Pytrace.Cli.Running;
using Pytrace.Interop;

namespace Pytrace.Cli.Commands;

/// <summary>
/// `pytrace _dump ...`: the dumper that <c>pytrace.start()</c> launches for a program run by a plain `python`.
/// It talks to the module over its stdin and stdout, a line each way:
/// it answers `ready` (or `error: ...`) once the database is open; `stop` on stdin, or stdin closing because
/// the program died, ends the run. It answers `done` when every ring is drained and the run is closed, or
/// `stopped` first when processes the program started are still recording (it then stays until they end).
/// </summary>
internal static class DumpCommand
{
    public const string Name = "_dump";

    public static int Run(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == "--append") { options["append"] = "1"; continue; }
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
                return Answer(stdout, $"error: pytrace _dump: unexpected '{args[i]}'");
            options[args[i][2..]] = args[++i];
        }
        foreach (var required in new[] { "session", "ring-dir", "db" })
            if (!options.ContainsKey(required)) return Answer(stdout, $"error: pytrace _dump needs --{required}");
        long maxTraces = 1_000_000;
        if (options.TryGetValue("max-traces", out var max) && !long.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out maxTraces))
            return Answer(stdout, $"error: max_traces must be a whole number >= 0, not '{max}'");

        if (!Directory.Exists(options["ring-dir"]))
            return Answer(stdout, $"error: the ring folder '{options["ring-dir"]}' does not exist; unset PYTRACE_RING_DIR or create it");
        string asGiven = options["db"];
        string db = Path.GetFullPath(asGiven);
        string? problem = DatabasePath.Problem(db, asGiven);
        if (problem is not null) return Answer(stdout, "error: " + problem);
        TraceWriter? database = null;
        try
        {
            database = TraceWriter.Open(db, options.ContainsKey("append"));
            database.StartRun(options.GetValueOrDefault("command") ?? "", Environment.CurrentDirectory,
                options.GetValueOrDefault("python") ?? "", Environment.MachineName, Libc.Now(Libc.CLOCK_REALTIME));
            database.Commit();
        }
        catch (TraceDatabaseException e)
        {
            database?.Dispose();
            return Answer(stdout, $"error: cannot write the database '{asGiven}': {e.Message}");
        }
        using (database)
        {
            Answer(stdout, "ready");

            bool stopRequested = false;
            var listener = new Thread(() =>
            {
                try
                {
                    while (stdin.ReadLine() is { } line && line != "stop") { }
                }
                catch (IOException) { }
                Volatile.Write(ref stopRequested, true);
            }) { IsBackground = true, Name = "pytrace-stdin" };
            listener.Start();

            var dumper = new RunDumper(database, options["ring-dir"], options["session"], maxTraces);
            try
            {
                dumper.Run(() => Volatile.Read(ref stopRequested), () => Answer(stdout, "stopped"));
                database.EndRun(Libc.Now(Libc.CLOCK_REALTIME), null, dumper.Calls, dumper.Dropped, dumper.Trimmed, dumper.PythonVersion);
            }
            catch (TraceDatabaseException e)
            {
                stderr.WriteLine($"pytrace: writing {asGiven} failed: {e.Message}; what was written before is kept");
                dumper.DiscardRest(() => Volatile.Read(ref stopRequested)); // no process waits on a ring nobody reads
                Answer(stdout, $"error: writing the database '{asGiven}' failed: {e.Message}");
                return 1;
            }
            finally
            {
                if (Path.GetFileName(options["ring-dir"]) == RingFolder.Prefix + options["session"]) RingFolder.Remove(options["ring-dir"]);
            }
            foreach (var reported in dumper.Errors) stderr.WriteLine("pytrace: " + reported);
            Answer(stdout, string.Create(CultureInfo.InvariantCulture,
                $"done {dumper.Calls} {dumper.Dropped} {dumper.Processes}"));
            return 0;
        }
    }

    /// <summary>Writes one protocol line; the program may be gone already, which is not an error here.</summary>
    private static int Answer(TextWriter stdout, string line)
    {
        try
        {
            stdout.WriteLine(line);
            stdout.Flush();
        }
        catch (IOException) { }
        return line.StartsWith("error:", StringComparison.Ordinal) ? 2 : 0;
    }
}
