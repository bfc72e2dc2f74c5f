using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Pytrace.Interop;
using Pytrace.Storage.Native;

namespace Pytrace.Storage;

/// <summary>
/// The dumper's write side of traces.sqlite: WAL (a crash loses at most the last commit, never the file), one
/// transaction per drain cycle, calls inserted 32 to a statement, strings, functions, threads and values interned,
/// no secondary index to keep up but the tiny one on exceptions.
/// </summary>
public sealed class TraceWriter : IDisposable
{
    private readonly nint _db;
    private readonly CallBatch _calls;
    private readonly Statement _updateCall, _maxId, _insertString, _selectString, _insertFunction, _selectFunction,
        _insertValue, _upsertThread, _insertDrop, _insertGap, _insertError, _upsertProcess, _endProcess;
    private readonly Dictionary<string, long> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string, string, int, string), long> _functions = new();
    private readonly Dictionary<(int, long), long> _threads = new();
    private readonly ValueCache _values = new();
    private bool _inTransaction, _disposed;
    private long _nextId;
    /// <summary>This run's calls by id, oldest first: a transaction's ids are contiguous and all this run's.</summary>
    private readonly LinkedList<(long First, long Last)> _runIds = new();
    private long _kept;

    /// <summary>Calls of this run deleted to keep the newest --max-traces.</summary>
    public long Trimmed { get; private set; }

    public long RunId { get; private set; }

    private TraceWriter(nint db)
    {
        _db = db;
        // The timeout first: another run appending to this database may hold the lock that switching to WAL needs.
        Exec("PRAGMA busy_timeout=30000;");
        RefuseOtherVersion(); // before anything is written, WAL mode included: an older or newer trace is left as it is
        // Larger pages: fewer B-tree splits per row appended; only takes effect on a new file.
        Exec("PRAGMA page_size=16384;");
        SwitchToWal();
        Exec("PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;");
        // One transaction, so another run never sees pytrace's tables without their schema version.
        Exec($"BEGIN IMMEDIATE; {Schema.Tables} {Schema.Views} INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '{Schema.Version}'); COMMIT;");
        _calls = new CallBatch(db);
        _updateCall = Prepare("UPDATE calls SET duration=?, end_kind=?, result=? WHERE id=?");
        _maxId = Prepare("SELECT max(id) FROM calls");
        _insertString = Prepare("INSERT OR IGNORE INTO strings(text) VALUES(?)");
        _selectString = Prepare("SELECT id FROM strings WHERE text=?");
        _insertFunction = Prepare("INSERT OR IGNORE INTO functions(module, name, file, line, params) VALUES(?,?,?,?,?)");
        _selectFunction = Prepare("SELECT id FROM functions WHERE module=? AND name=? AND file=? AND line=? AND params=?");
        _insertValue = Prepare("INSERT INTO vals(type, text) VALUES(?,?)");
        _upsertThread = Prepare("INSERT INTO threads(run, pid, tid, name) VALUES(?,?,?,?) ON CONFLICT(run, pid, tid) DO UPDATE SET name=coalesce(excluded.name, name) RETURNING id");
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
            var writer = new TraceWriter(db);
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
        using var insert = Prepare("INSERT INTO runs(command, cwd, python, host, started_ns) VALUES(?,?,?,?,?)");
        insert.Bind(1, command).Bind(2, cwd).Bind(3, python).Bind(4, host).Bind(5, startedNs).Execute();
        RunId = SqliteNative.LastInsertRowId(_db);
    }

    public void EndRun(long endedNs, int? exitCode, long calls, long dropped, long trimmed, string? pythonVersion)
    {
        Commit();
        using var update = Prepare("UPDATE runs SET ended_ns=?, exit_code=?, calls=?, dropped=?, trimmed=?, python_version=coalesce(?, python_version) WHERE id=?");
        update.Bind(1, endedNs).Bind(2, (long?)exitCode).Bind(3, calls).Bind(4, dropped).Bind(5, trimmed).Bind(6, pythonVersion).Bind(7, RunId).Execute();
        Exec("PRAGMA wal_checkpoint(PASSIVE);");
    }

    public void Begin()
    {
        if (_inTransaction) return;
        Exec("BEGIN IMMEDIATE");
        _inTransaction = true;
        // Ids are taken inside the write lock, so two runs appending to one file never collide.
        _nextId = _maxId.ScalarInt64() ?? 0;
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
        if (rc == SqliteNative.OK) return;
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

    public long String(string text)
    {
        if (_strings.TryGetValue(text, out long id)) return id;
        Begin();
        _insertString.Bind(1, text).Execute();
        id = _selectString.Bind(1, text).ScalarInt64() ?? throw new TraceDatabaseException("string interning failed");
        _strings[text] = id;
        return id;
    }

    /// <summary>A code object (or a log() call site with its field names): PARAMS name its arguments by position.</summary>
    public long Function(string module, string name, string file, int line, IReadOnlyList<string> parameters)
    {
        string json = JsonSerializer.Serialize(parameters, StorageJson.Default.IReadOnlyListString);
        var key = (module, name, file, line, json);
        if (_functions.TryGetValue(key, out long id)) return id;
        Begin();
        _insertFunction.Bind(1, module).Bind(2, name).Bind(3, file).Bind(4, line).Bind(5, json).Execute();
        id = _selectFunction.Bind(1, module).Bind(2, name).Bind(3, file).Bind(4, line).Bind(5, json).ScalarInt64()
            ?? throw new TraceDatabaseException("function interning failed");
        _functions[key] = id;
        return id;
    }

    /// <summary>The id of the value of type TYPE (a strings id) written as TEXT, stored once while the cache holds it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Value(long type, ReadOnlySpan<byte> text)
    {
        if (_values.TryGet(type, text, out long id)) return id;
        Begin();
        _insertValue.Bind(1, type).Bind(2, text).Execute();
        id = SqliteNative.LastInsertRowId(_db);
        _values.Add(type, text, id);
        return id;
    }

    /// <summary>The threads row of (PID, TID) in this run; NAME, when known, replaces an unknown one.</summary>
    public long Thread(int pid, long tid, string? name)
    {
        if (string.IsNullOrEmpty(name) && _threads.TryGetValue((pid, tid), out long known)) return known;
        Begin();
        long id = _upsertThread.Bind(1, RunId).Bind(2, pid).Bind(3, tid).Bind(4, string.IsNullOrEmpty(name) ? null : name).ScalarInt64()
            ?? throw new TraceDatabaseException("thread row failed");
        _threads[(pid, tid)] = id;
        return id;
    }

    /// <summary>Gives ROW the next call id and queues it; rows are inserted in id order, a parent before its children.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Insert(ref CallValues row, ReadOnlySpan<long> args)
    {
        Begin();
        row.Id = ++_nextId;
        if (_runIds.Last is { } last && last.Value.Last == row.Id - 1) last.Value = (last.Value.First, row.Id);
        else _runIds.AddLast((row.Id, row.Id));
        _kept++;
        _calls.Add(row, args);
        return row.Id;
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
        using var deleteCalls = Prepare("DELETE FROM calls WHERE id BETWEEN ? AND ?");
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
        foreach (var s in new[] { _updateCall, _maxId, _insertString, _selectString, _insertFunction, _selectFunction,
                     _insertValue, _upsertThread, _insertDrop, _insertGap, _insertError, _upsertProcess, _endProcess })
            s.Dispose();
        SqliteNative.Close(_db);
    }

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
