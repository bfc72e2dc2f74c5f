using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Pytrace.Dumper;
using Pytrace.Storage;
using Pytrace.Cli.Interop;
using Pytrace.Cli.Running;
using Pytrace.Interop;
using Pytrace.Reader.Commands;

namespace Pytrace.Cli.Commands;

/// <summary>
/// `pytrace [options] SCRIPT|-m MODULE [ARGS...]`: runs the program in the user's Python with the generator
/// loaded, drains its rings into the database while it runs, and exits the way the program exited.
/// </summary>
internal static class RunCommand
{
    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        string? error = RunOptions.TryParse(args, out var options);
        if (error is not null) return Fail(stderr, error);

        string python = PythonInterpreter.Choose(options.Python);
        if (options.Script is not null && !File.Exists(options.Script))
        {
            // .NET decodes arguments as UTF-8: a name in another encoding arrives with U+FFFD and can't be found.
            return Fail(stderr, options.Script.Contains('\uFFFD')
                ? $"cannot run the script '{options.Script.Replace('\uFFFD', '?')}': its name is not valid UTF-8, and pytrace takes UTF-8 paths (rename it, or run it through a link with a UTF-8 name)"
                : CommandSyntax.Nearest(options.Script, CommandLine.SubcommandNames) is { } command
                    ? $"cannot find the script '{options.Script}': did you mean `pytrace {command}`?"
                    : $"cannot find the script '{options.Script}'");
        }
        error = PythonInterpreter.Check(python, out string version);
        if (error is not null) return Fail(stderr, error);
        if (Installation.Boot is null)
            return Fail(stderr, $"this pytrace is incomplete: no pytrace package with _native.so and _boot/sitecustomize.py at {Installation.Searched}; reinstall it");
        string db = Path.GetFullPath(options.Db);
        error = DatabasePath.Problem(db, options.Db);
        if (error is not null) return Fail(stderr, error);

        string session = $"{Environment.ProcessId}x{Random.Shared.Next(1 << 30):x}";
        string ringDir = Environment.GetEnvironmentVariable("PYTRACE_RING_DIR") is { Length: > 0 } rd ? rd : "/dev/shm";
        if (!Directory.Exists(ringDir)) return Fail(stderr, $"the ring folder '{ringDir}' does not exist; unset PYTRACE_RING_DIR or create it");
        int stale = StaleRings.Remove(ringDir);
        if (stale > 0) stderr.WriteLine($"pytrace: removed {stale} shared-memory ring(s) left by a pytrace that did not finish");
        ringDir = RingFolder.Create(ringDir, session, out string? ringError) ?? "";
        if (ringError is not null) return Fail(stderr, ringError);
        PreviousTrace? previous = options.Append ? null : PreviousTrace.SetAside(db);
        var argv = new List<string> { python };
        if (options.Module is not null) { argv.Add("-m"); argv.Add(options.Module); }
        else argv.Add(options.Script!);
        argv.AddRange(options.ProgramArgs);
        TraceWriter? database = null;
        try
        {
            database = TraceWriter.Open(db, options.Append);
            database.StartRun(string.Join(' ', argv.Skip(1).Select(Quote)), Environment.CurrentDirectory, python,
                Environment.MachineName, Libc.Now(Libc.CLOCK_REALTIME));
            database.Commit();
            if (previous is not null) database.CallsCommitted = previous.DiscardInBackground;
        }
        catch (TraceDatabaseException e)
        {
            database?.Dispose();
            previous?.Restore();
            RingFolder.Remove(ringDir);
            return Fail(stderr, $"cannot write the database '{options.Db}': {e.Message}");
        }
        using (database)
        {
            int pid;
            try
            {
                pid = Posix.Spawn(python, argv, ChildEnvironment(options, session, ringDir)); // posix_spawnp searches PATH
            }
            catch (IOException e)
            {
                database.Dispose();
                previous?.Restore();
                RingFolder.Remove(ringDir);
                return Fail(stderr, e.Message);
            }

            var exit = (ExitCode: 0, Signal: 0);
            long exitedAt = 0;
            var waiter = new Thread(() =>
            {
                exit = Posix.Wait(pid);
                exitedAt = Stopwatch.GetTimestamp();
            }) { IsBackground = true, Name = "pytrace-wait" };
            using var signals = ForwardSignals(pid);
            waiter.Start();
            var dumper = new RunDumper(database, ringDir, session, options.MaxTraces);
            string? failure = null;
            try
            {
                dumper.Run(() => !waiter.IsAlive);
            }
            catch (TraceDatabaseException e)
            {
                failure = e.Message;
                dumper.DiscardRest(() => !waiter.IsAlive); // the program goes on, never blocked on a full ring
            }
            waiter.Join();
            if (ReferenceEquals(stderr, Console.Error)) stderr.Write(FreshLine.Before());
            RingFolder.Remove(ringDir);
            try
            {
                database.EndRun(Libc.Now(Libc.CLOCK_REALTIME), exit.ExitCode, dumper.Calls, dumper.Dropped, dumper.Trimmed, dumper.PythonVersion ?? version);
            }
            catch (TraceDatabaseException e)
            {
                failure ??= e.Message;
            }
            foreach (var problem in dumper.Errors) stderr.WriteLine("pytrace: " + problem);
            if (failure is not null)
            {
                long kept = database.CommittedCalls();
                database.Dispose();
                bool restore = kept == 0 && previous is { Restorable: true };
                if (restore) previous!.Restore(); else previous?.Discard();
                string what = restore ? "the previous trace is left in place"
                    : $"the {kept.ToString("N0", CultureInfo.InvariantCulture)} calls written before are kept, the rest of the run was not recorded";
                stderr.WriteLine($"pytrace: writing {options.Db} failed: {failure}; {what}");
            }
            else if (dumper.Calls == 0 && previous is { Restorable: true })
            {
                database.Dispose();
                previous.Restore();
                stderr.WriteLine($"pytrace: no calls recorded; {options.Db} keeps the previous trace");
            }
            else
            {
                previous?.Discard();
                stderr.WriteLine(Summary(dumper, options.Db));
            }
            if (System.Environment.GetEnvironmentVariable("PYTRACE_STATS") == "1")
            {
                database.Dispose(); // closing checkpoints the WAL: part of the wait
                stderr.WriteLine(DumperStats.Line(dumper, Stopwatch.GetElapsedTime(exitedAt), db));
            }
            if (exit.Signal != 0)
            {
                stderr.Flush();
                Posix.DieBySignal(exit.Signal);
            }
            return exit.ExitCode;
        }
    }

    private static Dictionary<string, string> ChildEnvironment(RunOptions options, string session, string ringDir)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables())
            env[(string)e.Key] = (string?)e.Value ?? "";
        // A recording's settings come from this command line only: ones left in the environment (by a shell that ran
        // pytrace.start(), say) would silently filter or reshape the run.
        foreach (var inherited in new[] { "PYTRACE_MODULES", "PYTRACE_IGNORE_SITE_PACKAGES", "PYTRACE_C_CALLS" }) env.Remove(inherited);
        // Only pytrace's own folder: the bootstrap makes `import pytrace` find the package without putting the folder
        // that holds it (an installation's whole site-packages) on the program's path.
        string ours = Installation.Boot!;
        env["PYTHONPATH"] = env.TryGetValue("PYTHONPATH", out var existing) && existing.Length > 0 ? ours + ":" + existing : ours;
        env["PYTRACE_SESSION"] = session;
        env["PYTRACE_RING_DIR"] = ringDir;
        env["PYTRACE_BUFFER_SIZE"] = options.BufferSize.ToString(CultureInfo.InvariantCulture);
        env["PYTRACE_MAX_VALUE_LENGTH"] = options.MaxValueLength.ToString(CultureInfo.InvariantCulture);
        env["PYTRACE_REPR"] = options.Repr;
        env["PYTRACE_ON_FULL"] = options.OnFull;
        var modules = options.Modules.Count > 0 ? options.Modules
            : (System.Environment.GetEnvironmentVariable("TRACE_MODULES") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (modules.Count > 0) env["PYTRACE_MODULES"] = string.Join(':', modules.Select(Path.GetFullPath));
        if (options.IgnoreSitePackages) env["PYTRACE_IGNORE_SITE_PACKAGES"] = "1";
        if (options.CCalls) env["PYTRACE_C_CALLS"] = "1";
        return env;
    }

    /// <summary>
    /// Ctrl-C and Ctrl-\ reach the program from the terminal (same process group): pytrace ignores them and keeps
    /// draining. Signals sent to pytrace alone (kill) are passed on to the program.
    /// </summary>
    private const int SigUsr1 = 10, SigUsr2 = 12, SigAlrm = 14;

    private static IDisposable ForwardSignals(int pid)
    {
        var registrations = new List<PosixSignalRegistration>
        {
            PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, c => c.Cancel = true),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Posix.Kill(pid, 15); }),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; Posix.Kill(pid, 1); }),
            // Signals a user sends to a program (kill -USR1 for a status dump, ALRM for a timer): the program's too.
            PosixSignalRegistration.Create((PosixSignal)SigUsr1, c => { c.Cancel = true; Posix.Kill(pid, SigUsr1); }),
            PosixSignalRegistration.Create((PosixSignal)SigUsr2, c => { c.Cancel = true; Posix.Kill(pid, SigUsr2); }),
            PosixSignalRegistration.Create((PosixSignal)SigAlrm, c => { c.Cancel = true; Posix.Kill(pid, SigAlrm); }),
        };
        return new Registrations(registrations);
    }

    private sealed class Registrations(List<PosixSignalRegistration> items) : IDisposable
    {
        public void Dispose() { foreach (var r in items) r.Dispose(); }
    }

    private static string Summary(RunDumper dumper, string db)
    {
        string calls = dumper.Calls.ToString("N0", CultureInfo.InvariantCulture);
        string processes = dumper.Processes == 1 ? "1 process" : $"{dumper.Processes} processes";
        string line = $"pytrace: {calls} calls recorded from {processes} into {db}, ";
        if (dumper.Trimmed > 0)
        {
            string kept = (dumper.Calls - dumper.Trimmed).ToString("N0", CultureInfo.InvariantCulture);
            string trimmed = dumper.Trimmed.ToString("N0", CultureInfo.InvariantCulture);
            line = $"pytrace: {kept} calls kept (the newest) of {calls} recorded from {processes} into {db}; {trimmed} older calls trimmed by --max-traces; ";
        }
        if (dumper.Dropped == 0) return line + "no records dropped";
        return line + $"{dumper.Dropped.ToString("N0", CultureInfo.InvariantCulture)} records dropped (raise --buffer-size)";
    }

    private static string Quote(string s) => s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || "-_./=:,@%+".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine("pytrace: " + message);
        return 2;
    }
}
