using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Pytrace.Interop;
using Pytrace.Storage.Native;

namespace Pytrace.Storage;

/// <summary>
/// The dumper's write side of traces.sqlite: WAL (a crash loses at most the last commit, never the file), one
/// transaction per batch, calls inserted 32 to a statement, no secondary index to keep up but the tiny one on
/// exceptions. Every id comes from the caller, out of blocks it reserved with <see cref="Reserve"/>: the writer
/// never has to answer a question before the next row can be decoded, so it can run on a thread of its own.
/// </summary>
public sealed class TraceWriter : IDisposable
{
    private readonly nint _db;
    private readonly CallBatch _calls;
    private readonly Statement _updateCall, _reserve, _insertString, _insertFunction, _insertValue, _insertThread,
        _nameThread, _insertDrop, _insertGap, _insertError, _upsertProcess, _endProcess;
    private bool _inTransaction, _disposed;
    /// <summary>This run's calls by id, oldest first: a transaction's ids are contiguous and all this run's.</summary>
    private readonly LinkedList<(long First, long Last)> _runIds = new();
    private long _kept;
    private readonly long _epochNs;

    /// <summary>
    /// Called once, on the writer's thread, after the first commit that holds calls of this run: from then on the run
    /// has a trace of its own to keep, whatever happens next.
    /// </summary>
    public Action? CallsCommitted { get; set; }

    /// <summary>Calls of this run deleted to keep the newest --max-traces.</summary>
    public long Trimmed { get; private set; }

    public long RunId { get; private set; }

    private readonly string _path;
    private Checkpointer? _checkpointer;

    private TraceWriter(nint db, string path)
    {
        _db = db;
        _path = path;
        // The timeout first: another run appending to this database may hold the lock that switching to WAL needs.
        Exec("PRAGMA busy_timeout=30000;");
        RefuseOtherVersion(); // before anything is written, WAL mode included: an older or newer trace is left as it is
        // Larger pages: fewer B-tree splits per row appended; only takes effect on a new file.
        Exec("PRAGMA page_size=16384;");
        SwitchToWal();
        Exec("PRAGMA synchronous=NORMAL; PRAGMA cache_size=-8192; PRAGMA temp_store=MEMORY;");
        // One transaction, so another run never sees pytrace's tables without their schema version.
        Exec($"BEGIN IMMEDIATE; {Schema.Tables} {Schema.Views} INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '{Schema.Version}'), " +
             $"('{Schema.NextCallId}', 1), ('{Schema.NextNameId}', 1), ('{Schema.EpochNs}', {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000}); COMMIT;");
        using (var epoch = Prepare($"SELECT value FROM meta WHERE key = '{Schema.EpochNs}'"))
            _epochNs = epoch.ScalarInt64() ?? 0;
        _calls = new CallBatch(db, _epochNs);
        _updateCall = Prepare($"UPDATE {Schema.CallRows} SET duration=?, {Schema.SetEndKind("?")}, result=? WHERE id=?");
        _reserve = Prepare("UPDATE meta SET value = value + ?2 WHERE key = ?1 RETURNING value - ?2");
        _insertString = Prepare("INSERT INTO strings(id, text) VALUES(?,?)");
        _insertFunction = Prepare("INSERT INTO functions(id, module, name, file, line, params) VALUES(?,?,?,?,?,?)");
        // As calls (CallBatch): a table and its index written by a statement that cannot abort need no statement journal.
        _insertValue = Prepare("INSERT OR IGNORE INTO vals(id, type, text) VALUES(?,?,?)");
        _insertThread = Prepare("INSERT INTO threads(id, run, pid, tid, name) VALUES(?,?,?,?,?)");
        _nameThread = Prepare("UPDATE threads SET name=? WHERE id=?");
        _insertDrop = Prepare("INSERT INTO drops(run, pid, time_ns, count) VALUES(?,?,?,?)");
        _insertGap = Prepare($"INSERT INTO drops(run, pid, time_ns, count, reason, tid, ended_ns) VALUES(?,?,?,0,{Schema.DropReason.HookTaken},?,?)");
        _insertError = Prepare("INSERT INTO errors(run, pid, time_ns, message) VALUES(?,?,?,?)");
        _upsertProcess = Prepare("INSERT INTO processes(run, pid, ppid, started_ns) VALUES(?,?,?,?) ON CONFLICT(run, pid) DO UPDATE SET started_ns=min(started_ns, excluded.started_ns)");
        // A pid that exec'd another Python has a ring per program image; its row spans them.
        _endProcess = Prepare("UPDATE processes SET ended_ns=max(coalesce(ended_ns, 0), ?1), dropped=max(dropped, ?2) WHERE run=?3 AND pid=?4");
    }

    /// <summary>Opens (append) or creates anew (the file and its WAL removed first) a database with mode 0600.</summary>
    public static TraceWriter Open(string path, bool append)
    {
        if (!append)
        {
            foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" }) File.Delete(path + suffix);
        }
        if (!File.Exists(path))
        {
            int fd = Libc.Open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0x180);
            if (fd < 0) throw new TraceDatabaseException($"cannot create {path}");
            Libc.Close(fd);
        }
        // One thread writes through this connection: SQLite's per-call mutexes would only cost.
        int rc = SqliteNative.Open(path, out nint db, SqliteNative.OPEN_READWRITE | SqliteNative.OPEN_NOMUTEX, 0);
        if (rc != SqliteNative.OK)
        {
            SqliteNative.Close(db);
            throw new TraceDatabaseException($"cannot open {path}: {SqliteNative.Describe(rc)}");
        }
        try
        {
            var writer = new TraceWriter(db, path);
            writer.CheckVersion();
            return writer;
        }
        catch (TraceDatabaseException)
        {
            SqliteNative.Close(db); // the last connection: SQLite removes the -wal and -shm it made
            throw;
        }
    }

    /// <summary>
    /// WAL, waiting for another run that is creating the same file: SQLite answers BUSY at once, without its busy
    /// handler, when two connections would deadlock upgrading their locks, so the wait is here.
    /// </summary>
    private void SwitchToWal()
    {
        for (int attempt = 0; ; attempt++)
        {
            int rc = SqliteNative.Exec(_db, "PRAGMA journal_mode=WAL;", 0, 0, 0);
            if (rc == SqliteNative.OK) return;
            if ((rc != SqliteNative.BUSY && rc != SqliteNative.LOCKED) || attempt >= 3000) TraceDatabaseException.Check(rc, _db, "PRAGMA journal_mode=WAL");
            System.Threading.Thread.Sleep(10);
        }
    }

    private void RefuseOtherVersion()
    {
        using var hasMeta = Prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
        if (hasMeta.ScalarInt64() == 0) return;
        CheckVersion();
    }

    private void CheckVersion()
    {
        using var select = Prepare("SELECT value FROM meta WHERE key='schema_version'");
        long? version = select.ScalarInt64();
        if (version != Schema.Version)
        {
            throw new TraceDatabaseException($"the database has schema version {version}, this pytrace writes {Schema.Version}; use another --db or drop --append");
        }
    }

    public void StartRun(string command, string cwd, string python, string host, long startedNs)
    {
        EndInterruptedRuns(host);
        using var insert = Prepare("INSERT INTO runs(command, cwd, python, host, started_ns, dumper_pid) VALUES(?,?,?,?,?,?)");
        insert.Bind(1, command).Bind(2, cwd).Bind(3, python).Bind(4, host).Bind(5, startedNs).Bind(6, Environment.ProcessId).Execute();
        RunId = SqliteNative.LastInsertRowId(_db);
    }

    /// <summary>
    /// Runs of this machine whose pytrace is gone without ending them (killed, or the machine restarted): ended at
    /// their last recorded moment, with the calls they have, so that no run looks as if it were still recording.
    /// </summary>
    private void EndInterruptedRuns(string host)
    {
        var interrupted = new List<long>();
        using (var select = Prepare("SELECT id, dumper_pid FROM runs WHERE ended_ns IS NULL AND host = ? AND dumper_pid IS NOT NULL"))
        {
            select.Bind(1, host);
            while (select.Step())
                if (!Libc.ProcessExists((int)select.Column(1))) interrupted.Add(select.Column(0));
        }
        using var end = Prepare("""
            UPDATE runs SET
                ended_ns = coalesce(?2 + (SELECT max(c.start + coalesce(c.duration, 0)) FROM calls c JOIN threads t ON t.id = c.thread WHERE t.run = runs.id), started_ns),
                calls = (SELECT count(*) FROM calls c JOIN threads t ON t.id = c.thread WHERE t.run = runs.id)
            WHERE id = ?1
            """);
        foreach (long run in interrupted) end.Bind(1, run).Bind(2, _epochNs).Execute();
    }

    public void EndRun(long endedNs, int? exitCode, long calls, long dropped, long trimmed, string? pythonVersion)
    {
        Commit();
        using var update = Prepare("UPDATE runs SET ended_ns=?, exit_code=?, calls=?, dropped=?, trimmed=?, python_version=coalesce(?, python_version) WHERE id=?");
        update.Bind(1, endedNs).Bind(2, (long?)exitCode).Bind(3, calls).Bind(4, dropped).Bind(5, trimmed).Bind(6, pythonVersion).Bind(7, RunId).Execute();
    }

    public void Begin()
    {
        if (_inTransaction) return;
        Exec("BEGIN IMMEDIATE");
        _inTransaction = true;
        _calls.ReadLargestId();
    }

    public void Commit()
    {
        if (!_inTransaction) return;
        try
        {
            _calls.Flush();
        }
        catch (TraceDatabaseException)
        {
            Rollback();
            throw;
        }
        _inTransaction = false;
        int rc = SqliteNative.Exec(_db, "COMMIT", 0, 0, 0);
        if (rc == SqliteNative.OK)
        {
            if (_kept > 0 && CallsCommitted is { } first)
            {
                CallsCommitted = null;
                first();
            }
            return;
        }
        string message = SqliteNative.Message(_db);
        Rollback();
        throw new TraceDatabaseException($"{message} (COMMIT)");
    }

    /// <summary>A failed COMMIT may leave the transaction open; what is committed stays.</summary>
    private void Rollback()
    {
        _inTransaction = false;
        SqliteNative.Exec(_db, "ROLLBACK", 0, 0, 0);
    }

    /// <summary>The first of COUNT ids of the counter KEY (<see cref="Schema.NextCallId"/> or <see cref="Schema.NextNameId"/>), now this run's.</summary>
    public long Reserve(string key, long count)
    {
        Begin();
        return _reserve.Bind(1, key).Bind(2, count).ScalarInt64() ?? throw new TraceDatabaseException($"no {key} counter in meta");
    }

    public void String(long id, string text)
    {
        Begin();
        _insertString.Bind(1, id).Bind(2, text).Execute();
    }

    /// <summary>A code object (or a log() call site with its field names): PARAMETERS name its arguments by position.</summary>
    public void Function(long id, string module, string name, string file, int line, IReadOnlyList<string> parameters)
    {
        Begin();
        string json = JsonSerializer.Serialize(parameters, StorageJson.Default.IReadOnlyListString);
        _insertFunction.Bind(1, id).Bind(2, module).Bind(3, name).Bind(4, file).Bind(5, line).Bind(6, json).Execute();
    }

    /// <summary>A value: its type (a strings id) and its text, the value string of the ring.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Value(long id, long type, ReadOnlySpan<byte> text)
    {
        Begin();
        _insertValue.Bind(1, id).Bind(2, type).Bind(3, text).Execute();
    }

    public void Thread(long id, int pid, long tid, string? name)
    {
        Begin();
        _insertThread.Bind(1, id).Bind(2, RunId).Bind(3, pid).Bind(4, tid).Bind(5, string.IsNullOrEmpty(name) ? null : name).Execute();
    }

    /// <summary>A thread's name, learnt after its first call.</summary>
    public void NameThread(long id, string name)
    {
        Begin();
        _nameThread.Bind(1, name).Bind(2, id).Execute();
    }

    /// <summary>Queues ROW (its id given) for insertion; rows come in id order, a parent before its children.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Insert(in CallValues row, ReadOnlySpan<long> args)
    {
        Begin();
        if (_runIds.Last is { } last && last.Value.Last == row.Id - 1) last.Value = (last.Value.First, row.Id);
        else _runIds.AddLast((row.Id, row.Id));
        _kept++;
        _calls.Add(row, args);
    }

    /// <summary>The end of a call inserted unfinished in an earlier transaction.</summary>
    public void End(long id, long duration, int endKind, long result)
    {
        Begin();
        _updateCall.Bind(1, duration).Bind(2, endKind).Bind(3, result == 0 ? null : result).Bind(4, id).Execute();
    }

    public void Drop(int pid, long timeNs, long count)
    {
        Begin();
        _insertDrop.Bind(1, RunId).Bind(2, pid).Bind(3, timeNs).Bind(4, count).Execute();
    }

    /// <summary>Another profiler held a thread's hook from <paramref name="timeNs"/> to <paramref name="endedNs"/> (3.8-3.11).</summary>
    public void Gap(int pid, long tid, long timeNs, long endedNs)
    {
        Begin();
        _insertGap.Bind(1, RunId).Bind(2, pid).Bind(3, timeNs).Bind(4, tid).Bind(5, endedNs).Execute();
    }

    public void Error(int pid, long timeNs, string message)
    {
        Begin();
        _insertError.Bind(1, RunId).Bind(2, pid).Bind(3, timeNs).Bind(4, message).Execute();
    }

    public void Process(int pid, int ppid, long startedNs)
    {
        Begin();
        _upsertProcess.Bind(1, RunId).Bind(2, pid).Bind(3, ppid).Bind(4, startedNs).Execute();
    }

    public void EndProcess(int pid, long endedNs, long dropped)
    {
        Begin();
        _endProcess.Bind(1, endedNs).Bind(2, dropped).Bind(3, RunId).Bind(4, pid).Execute();
    }

    /// <summary>This run's calls that are in the file, or 0 when it cannot be read (after a failure).</summary>
    public long CommittedCalls()
    {
        try
        {
            using var count = Prepare("SELECT count(*) FROM calls WHERE thread IN (SELECT id FROM threads WHERE run = ?)");
            return count.Bind(1, RunId).ScalarInt64() ?? 0;
        }
        catch (TraceDatabaseException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Deletes this run's oldest calls (never another run's) so that exactly its newest <paramref name="keep"/> remain.
    /// </summary>
    public void TrimTo(long keep)
    {
        if (_kept <= keep) return;
        Begin();
        _calls.Flush();
        using var deleteCalls = Prepare($"DELETE FROM {Schema.CallRows} WHERE id BETWEEN ? AND ?");
        while (_kept > keep && _runIds.First is { } oldest)
        {
            var (first, last) = oldest.Value;
            long cut = Math.Min(last, first + (_kept - keep) - 1);
            deleteCalls.Bind(1, first).Bind(2, cut).Execute();
            long count = cut - first + 1;
            _kept -= count;
            Trimmed += count;
            if (cut == last) _runIds.RemoveFirst(); else oldest.Value = (cut + 1, last);
        }
        _calls.ReadLargestId(); // the rows deleted may have held it
    }

    /// <summary>
    /// From now until this writer is closed, the WAL is copied back into the database by a thread of its own instead
    /// of by the commits of this connection: for a run, while batches are written, and up to the end, so that the
    /// run's last commits do not stop for a checkpoint that the close does anyway.
    /// </summary>
    public void CheckpointAside()
    {
        if (_checkpointer is not null) return;
        _checkpointer = new Checkpointer(_path);
        Exec("PRAGMA wal_autocheckpoint=0;");
    }

    /// <summary>Compiles the per-row insert path now (see the dumper's WarmUp): the first batch then runs at full speed.</summary>
    public static void PrepareWritePath()
    {
        foreach (var method in typeof(TraceWriter).GetMethods(BindingFlags.Public | BindingFlags.Instance))
            if (method.Name is nameof(Insert) or nameof(Value) or nameof(End) or nameof(Commit) or nameof(Begin)) RuntimeHelpers.PrepareMethod(method.MethodHandle);
        foreach (var method in typeof(CallBatch).GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
            if (method.Name is nameof(CallBatch.Add) or "Step" or nameof(CallBatch.Flush)) RuntimeHelpers.PrepareMethod(method.MethodHandle);
    }

    private Statement Prepare(string sql) => new(_db, sql);

    private void Exec(string sql) => TraceDatabaseException.Check(SqliteNative.Exec(_db, sql, 0, 0, 0), _db, sql.Length > 40 ? sql[..40] : sql);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            Commit();
        }
        catch (TraceDatabaseException)
        {
            // Already reported where it failed first; closing must still release the file.
        }
        _calls.Dispose();
        _checkpointer?.Dispose(); // before the close, which checkpoints the rest only as the last connection
        foreach (var s in new[] { _updateCall, _reserve, _insertString, _insertFunction, _insertValue, _insertThread,
                     _nameThread, _insertDrop, _insertGap, _insertError, _upsertProcess, _endProcess })
            s.Dispose();
        SqliteNative.Close(_db);
    }
}
