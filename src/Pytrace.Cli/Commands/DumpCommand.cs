using System.CommandLine;
using System.Globalization;
using Pytrace.Core.Options;
using Pytrace.Reader.Commands;
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

    private static readonly Option<string> Session = new("--session") { Required = true };
    private static readonly Option<string> RingDir = new("--ring-dir") { Required = true };
    private static readonly Option<string> Db = RecordingOptions.Db();
    private static readonly Option<string> MaxTraces = RecordingOptions.Declare(RecordingOption.MaxTraces);
    private static readonly Option<string> Python = RecordingOptions.Python();
    private static readonly Option<string> CommandText = new("--command");
    private static readonly Option<bool> Append = RecordingOptions.Append();

    /// <summary>Hidden from help: only pytrace.start() runs it.</summary>
    public static readonly System.CommandLine.Command Definition = new(Name, "the dumper of pytrace.start()")
        { Hidden = true, Options = { Session, RingDir, Db, MaxTraces, Python, CommandText, Append } };

    public static int Run(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        string? refusal = null;
        if (CommandSyntax.Parse(Definition, args, stdout, e => refusal = e, out var parsed) is not null)
            return Answer(stdout, $"error: pytrace {Name}: {refusal}");
        if (parsed.GetValue(Db) is null) return Answer(stdout, $"error: pytrace {Name} needs --db");
        long maxTraces = long.Parse(RecordingOptions.Value(parsed, MaxTraces, RecordingOption.MaxTraces)!, CultureInfo.InvariantCulture);
        string ringDir = parsed.GetValue(RingDir)!, session = parsed.GetValue(Session)!;

        if (!Directory.Exists(ringDir))
            return Answer(stdout, $"error: the ring folder '{ringDir}' does not exist; unset PYTRACE_RING_DIR or create it");
        string asGiven = parsed.GetValue(Db)!;
        string db = Path.GetFullPath(asGiven);
        string? problem = DatabasePath.Problem(db, asGiven);
        if (problem is not null) return Answer(stdout, "error: " + problem);
        TraceWriter? database = null;
        try
        {
            database = TraceWriter.Open(db, parsed.GetValue(Append));
            database.StartRun(parsed.GetValue(CommandText) ?? "", Environment.CurrentDirectory,
                parsed.GetValue(Python) ?? "", Environment.MachineName, Libc.Now(Libc.CLOCK_REALTIME));
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

            var dumper = new RunDumper(database, ringDir, session, maxTraces);
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
                if (Path.GetFileName(ringDir) == RingFolder.Prefix + session) RingFolder.Remove(ringDir);
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
