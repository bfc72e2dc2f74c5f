using System.Text;
using Pytrace.Interop;
using Pytrace.Storage;
using SQLitePCL;

namespace Pytrace.Cli.Dumper;

/// <summary>
/// The dumper's write side of traces.sqlite: WAL, one transaction per drain cycle, prepared inserts, strings and
/// functions interned, secondary indexes built when the run ends.
/// </summary>
internal sealed class TraceDatabase : IDisposable
{
    private readonly sqlite3 _db;
    private readonly SqliteStatement _insertCall, _insertArg, _updateCall, _maxId, _insertString, _selectString,
        _insertFunction, _selectFunction, _insertDrop, _insertGap, _insertError, _upsertThread, _upsertProcess, _endProcess;
    private readonly Dictionary<string, long> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string, string, int), long> _functions = new();
    private bool _inTransaction, _disposed;
    private long _nextId;
    /// <summary>This run's calls by id, oldest first: a transaction's ids are contiguous and all this run's.</summary>
    private readonly LinkedList<(long First, long Last)> _runIds = new();
    private long _kept;

    /// <summary>Calls of this run deleted to keep the newest --max-traces.</summary>
    public long Trimmed { get; private set; }

    public long RunId { get; private set; }

    static TraceDatabase() => Batteries_V2.Init();

    private TraceDatabase(sqlite3 db)
    {
        _db = db;
        // The timeout first: another run appending to this database may hold the lock that switching to WAL needs.
        Exec("PRAGMA busy_timeout=30000;");
        RefuseOtherVersion(); // before anything is written, WAL mode included: an older or newer trace is left as it is
        SwitchToWal();
        Exec("PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;");
        // One transaction, so another run never sees pytrace's tables without their schema version.
        Exec($"BEGIN IMMEDIATE; {Schema.Tables} INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '{Schema.Version}'); COMMIT;");
        _insertCall = Prepare("INSERT INTO calls(id, parent, run, pid, tid, depth, start_ns, end_ns, function, kind, end_kind, result_type, result) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
        _insertArg = Prepare("INSERT INTO args(call, pos, name, type, value) VALUES(?,?,?,?,?)");
        _updateCall = Prepare("UPDATE calls SET end_ns=?, end_kind=?, result_type=?, result=? WHERE id=?");
        _maxId = Prepare("SELECT max(id) FROM calls");
        _insertString = Prepare("INSERT OR IGNORE INTO strings(text) VALUES(?)");
        _selectString = Prepare("SELECT id FROM strings WHERE text=?");
        _insertFunction = Prepare("INSERT OR IGNORE INTO functions(module, name, file, line) VALUES(?,?,?,?)");
        _selectFunction = Prepare("SELECT id FROM functions WHERE module=? AND name=? AND file=? AND line=?");
        _insertDrop = Prepare("INSERT INTO drops(run, pid, time_ns, count) VALUES(?,?,?,?)");
        _insertGap = Prepare($"INSERT INTO drops(run, pid, time_ns, count, reason, tid, ended_ns) VALUES(?,?,?,0,{Schema.DropReason.HookTaken},?,?)");
        _insertError = Prepare("INSERT INTO errors(run, pid, time_ns, message) VALUES(?,?,?,?)");
        _upsertThread = Prepare("INSERT INTO threads(run, pid, tid, name) VALUES(?,?,?,?) ON CONFLICT(run, pid, tid) DO UPDATE SET name=coalesce(excluded.name, name)");
        _upsertProcess = Prepare("INSERT INTO processes(run, pid, ppid, started_ns) VALUES(?,?,?,?) ON CONFLICT(run, pid) DO UPDATE SET started_ns=min(started_ns, excluded.started_ns)");
        // A pid that exec'd another Python has a ring per program image; its row spans them.
        _endProcess = Prepare("UPDATE processes SET ended_ns=max(coalesce(ended_ns, 0), ?1), dropped=max(dropped, ?2) WHERE run=?3 AND pid=?4");
    }

    /// <summary>
    /// WAL, waiting for another run that is creating the same file: SQLite answers BUSY at once, without its busy
    /// handler, when two connections would deadlock upgrading their locks, so the wait is here.
    /// </summary>
    private void SwitchToWal()
    {
        for (int attempt = 0; ; attempt++)
        {
            int rc = raw.sqlite3_exec(_db, "PRAGMA journal_mode=WAL;");
            if (rc == raw.SQLITE_OK) return;
            if ((rc != raw.SQLITE_BUSY && rc != raw.SQLITE_LOCKED) || attempt >= 3000) SqliteStatement.Check(rc, _db, "PRAGMA journal_mode=WAL");
            System.Threading.Thread.Sleep(10);
        }
    }

    /// <summary>Opens (append) or creates anew (the file and its WAL removed first) a database with mode 0600.</summary>
    public static TraceDatabase Open(string path, bool append)
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
        int rc = raw.sqlite3_open_v2(path, out sqlite3 db, raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_NOMUTEX, null);
        if (rc != raw.SQLITE_OK) throw new TraceDatabaseException($"cannot open {path}: {raw.sqlite3_errstr(rc).utf8_to_string()}");
        try
        {
            var database = new TraceDatabase(db);
            database.CheckVersion();
            return database;
        }
        catch (TraceDatabaseException)
        {
            raw.sqlite3_close_v2(db); // the last connection: SQLite removes the -wal and -shm it made
            throw;
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
        Exec("INSERT OR REPLACE INTO meta(key, value) VALUES('complete', '0')");
    }

    public void StartRun(string command, string cwd, string python, string host, long startedNs)
    {
        using var insert = Prepare("INSERT INTO runs(command, cwd, python, host, started_ns) VALUES(?,?,?,?,?)");
        insert.Bind(1, command).Bind(2, cwd).Bind(3, python).Bind(4, host).Bind(5, startedNs).Execute();
        RunId = raw.sqlite3_last_insert_rowid(_db);
    }

    public void EndRun(long endedNs, int? exitCode, long calls, long dropped, string? pythonVersion)
    {
        Commit();
        using var update = Prepare("UPDATE runs SET ended_ns=?, exit_code=?, calls=?, dropped=?, python_version=coalesce(?, python_version) WHERE id=?");
        update.Bind(1, endedNs);
        if (exitCode is null) update.BindNull(2); else update.Bind(2, exitCode.Value);
        update.Bind(3, calls).Bind(4, dropped).Bind(5, pythonVersion).Bind(6, RunId).Execute();
    }

    /// <summary>Builds the secondary indexes (cheaper once, after the bulk) and marks the file complete.</summary>
    public void BuildIndexes()
    {
        Commit();
        Exec(Schema.Indexes);
        Exec("INSERT OR REPLACE INTO meta(key, value) VALUES('complete', '1'); PRAGMA wal_checkpoint(TRUNCATE);");
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
        _inTransaction = false;
        int rc = raw.sqlite3_exec(_db, "COMMIT");
        if (rc == raw.SQLITE_OK) return;
        string message = raw.sqlite3_errmsg(_db).utf8_to_string();
        raw.sqlite3_exec(_db, "ROLLBACK"); // a failed COMMIT may leave the transaction open; what is committed stays
        throw new TraceDatabaseException($"{message} (COMMIT)");
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

    public long Function(string module, string name, string file, int line)
    {
        var key = (module, name, file, line);
        if (_functions.TryGetValue(key, out long id)) return id;
        Begin();
        _insertFunction.Bind(1, module).Bind(2, name).Bind(3, file).Bind(4, line).Execute();
        id = _selectFunction.Bind(1, module).Bind(2, name).Bind(3, file).Bind(4, line).ScalarInt64()
            ?? throw new TraceDatabaseException("function interning failed");
        _functions[key] = id;
        return id;
    }

    public void Insert(CallRow row)
    {
        Begin();
        row.Id = ++_nextId;
        if (_runIds.Last is { } last && last.Value.Last == row.Id - 1) last.Value = (last.Value.First, row.Id);
        else _runIds.AddLast((row.Id, row.Id));
        _kept++;
        _insertCall.Bind(1, row.Id);
        if (row.Parent is null) _insertCall.BindNull(2); else _insertCall.Bind(2, row.Parent.Id);
        _insertCall.Bind(3, RunId).Bind(4, row.Pid).Bind(5, row.Tid).Bind(6, row.Depth).Bind(7, row.StartNs);
        if (row.EndNs == 0) _insertCall.BindNull(8); else _insertCall.Bind(8, row.EndNs);
        _insertCall.Bind(9, row.FunctionId).Bind(10, row.Kind).Bind(11, row.EndKind);
        BindResult(_insertCall, 12, row);
        _insertCall.Execute();
        for (int i = 0; i < row.Args.Length; i++)
        {
            var arg = row.Args[i];
            _insertArg.Bind(1, row.Id).Bind(2, i).Bind(3, arg.NameId).Bind(4, arg.TypeId).BindUtf8(5, arg.Value).Execute();
        }
    }

    public void Update(CallRow row)
    {
        Begin();
        _updateCall.Bind(1, row.EndNs).Bind(2, row.EndKind);
        BindResult(_updateCall, 3, row);
        _updateCall.Bind(5, row.Id).Execute();
    }

    private static void BindResult(SqliteStatement statement, int index, CallRow row)
    {
        if (row.EndKind == Schema.EndKind.Unfinished) { statement.BindNull(index).BindNull(index + 1); return; }
        if (row.ResultType == 0) statement.BindNull(index); else statement.Bind(index, row.ResultType);
        if (row.Result is null) statement.BindNull(index + 1); // a log entry has no result
        else statement.BindUtf8(index + 1, row.Result);
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

    public void Thread(int pid, long tid, string? name)
    {
        Begin();
        _upsertThread.Bind(1, RunId).Bind(2, pid).Bind(3, tid).Bind(4, string.IsNullOrEmpty(name) ? null : name).Execute();
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
            using var count = Prepare("SELECT count(*) FROM calls WHERE run = ?");
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
        using var deleteArgs = Prepare("DELETE FROM args WHERE call BETWEEN ? AND ?");
        using var deleteCalls = Prepare("DELETE FROM calls WHERE id BETWEEN ? AND ? AND run = ?");
        while (_kept > keep && _runIds.First is { } oldest)
        {
            var (first, last) = oldest.Value;
            long cut = Math.Min(last, first + (_kept - keep) - 1);
            deleteArgs.Bind(1, first).Bind(2, cut).Execute();
            deleteCalls.Bind(1, first).Bind(2, cut).Bind(3, RunId).Execute();
            long count = cut - first + 1;
            _kept -= count;
            Trimmed += count;
            if (cut == last) _runIds.RemoveFirst(); else oldest.Value = (cut + 1, last);
        }
    }

    private SqliteStatement Prepare(string sql) => new(_db, sql);

    private void Exec(string sql) => SqliteStatement.Check(raw.sqlite3_exec(_db, sql), _db, sql.Length > 40 ? sql[..40] : sql);

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
        foreach (var s in new[] { _insertCall, _insertArg, _updateCall, _maxId, _insertString, _selectString, _insertFunction,
                     _selectFunction, _insertDrop, _insertGap, _insertError, _upsertThread, _upsertProcess, _endProcess })
            s.Dispose();
        raw.sqlite3_close_v2(_db);
    }

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
