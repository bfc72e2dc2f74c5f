using Microsoft.Data.Sqlite;
using Pytrace.Storage;

namespace Pytrace.Reader.Tests.Support;

/// <summary>Writes a traces database with the real schema, call by call, as the dumper would (WAL, interned strings).</summary>
public sealed class TraceBuilder : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, long> _strings = [];
    private readonly Dictionary<(string, string), long> _functions = [];
    private readonly Dictionary<long, (long Depth, long? Parent)> _open = [];
    private readonly Stack<long> _stack = new();

    public string Path { get; }
    public long Pid { get; set; } = 4321;
    public long Tid { get; set; } = 1;
    /// <summary>Wall-clock ns of the next event; each event advances it by Step.</summary>
    public long Clock { get; set; }
    public long Step { get; set; } = 1_000;

    public TraceBuilder(string path, bool indexes = true)
    {
        Path = path;
        _connection = new SqliteConnection($"Data Source={path};Pooling=False");
        _connection.Open();
        Exec("PRAGMA journal_mode = WAL");
        Exec(Schema.Tables);
        Exec($"INSERT OR REPLACE INTO meta VALUES ('schema_version', '{Schema.Version}')");
        Exec("INSERT OR IGNORE INTO runs(id, command, started_ns) VALUES (1, 'python3 shop.py', 0)");
        if (indexes)
            Exec(Schema.Indexes);
        Clock = LocalNs(2026, 11, 25, 12, 1, 2);
    }

    public static long LocalNs(int y, int mo, int d, int h, int mi, int s) =>
        (TimeZoneInfo.ConvertTimeToUtc(new DateTime(y, mo, d, h, mi, s, DateTimeKind.Unspecified), TimeZoneInfo.Local) - DateTime.UnixEpoch).Ticks * 100;

    public void Exec(string sql, params object?[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < parameters.Length; i++)
            command.Parameters.AddWithValue("@p" + i, parameters[i] ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    private long Scalar(string sql, params object?[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < parameters.Length; i++)
            command.Parameters.AddWithValue("@p" + i, parameters[i] ?? DBNull.Value);
        return Convert.ToInt64(command.ExecuteScalar());
    }

    public void Thread(long pid, long tid, string name)
    {
        Pid = pid;
        Tid = tid;
        Exec("INSERT OR IGNORE INTO threads VALUES (1, @p0, @p1, @p2)", pid, tid, name);
        _stack.Clear();
    }

    private long String(string text)
    {
        if (_strings.TryGetValue(text, out var id))
            return id;
        Exec("INSERT OR IGNORE INTO strings(text) VALUES (@p0)", text);
        return _strings[text] = Scalar("SELECT id FROM strings WHERE text = @p0", text);
    }

    private long Function(string module, string name)
    {
        if (_functions.TryGetValue((module, name), out var id))
            return id;
        Exec("INSERT OR IGNORE INTO functions(module, name, file, line) VALUES (@p0, @p1, @p2, @p3)",
            module, name, $"/src/{module.Replace('.', '/')}.py", 10 + _functions.Count);
        return _functions[(module, name)] = Scalar("SELECT id FROM functions WHERE module = @p0 AND name = @p1", module, name);
    }

    /// <summary>Starts a call in the current thread, child of the innermost open one; ARGS are (name, type, value).</summary>
    public long Enter(string module, string func, params (string Name, string Type, string Value)[] args) =>
        Enter(module, func, Schema.CallKind.Call, args);

    public long Enter(string module, string func, int kind, params (string Name, string Type, string Value)[] args)
    {
        var id = Insert(Function(module, func), kind, args);
        _stack.Push(id);
        return id;
    }

    /// <summary>
    /// A pytrace.log(message, **fields) record from line LINE of MODULE, under the innermost open call, as the
    /// tracer writes one: a finished kind-2 row of a function named 'log' at the call site, args message then fields.
    /// </summary>
    public long Log(string module, int line, (string Type, string Value) message, params (string Name, string Type, string Value)[] fields)
    {
        var file = $"/src/{module.Replace('.', '/')}.py";
        Exec("INSERT OR IGNORE INTO functions(module, name, file, line) VALUES (@p0, 'log', @p1, @p2)", module, file, line);
        var function = Scalar("SELECT id FROM functions WHERE module = @p0 AND name = 'log' AND file = @p1 AND line = @p2", module, file, line);
        var id = Insert(function, Schema.CallKind.Log, [("message", message.Type, message.Value), .. fields]);
        Exec("UPDATE calls SET end_ns = start_ns, end_kind = @p0 WHERE id = @p1", Schema.EndKind.Return, id);
        return id;
    }

    private long Insert(long function, int kind, (string Name, string Type, string Value)[] args)
    {
        long? parent = _stack.Count > 0 ? _stack.Peek() : null;
        Exec("INSERT INTO calls(parent, run, pid, tid, depth, start_ns, function, kind, end_kind) VALUES (@p0, 1, @p1, @p2, @p3, @p4, @p5, @p6, 0)",
            parent, Pid, Tid, _stack.Count, Clock += Step, function, kind);
        var id = Scalar("SELECT last_insert_rowid()");
        for (var i = 0; i < args.Length; i++)
            Exec("INSERT INTO args VALUES (@p0, @p1, @p2, @p3, @p4)", id, i, String(args[i].Name), String(args[i].Type), args[i].Value);
        return id;
    }

    public void Return(string type, string value, long? duration = null) => End(Schema.EndKind.Return, type, value, duration);

    public void Yield(string type, string value) => End(Schema.EndKind.Yield, type, value, null);

    public void Raise(string type, string repr, long? duration = null) => End(Schema.EndKind.Exception, type, repr, duration);

    private void End(int endKind, string type, string value, long? duration)
    {
        var id = _stack.Pop();
        var start = Scalar("SELECT start_ns FROM calls WHERE id = @p0", id);
        var end = duration is { } d ? start + d : Clock += Step;
        Clock = Math.Max(Clock, end);
        Exec("UPDATE calls SET end_ns = @p0, end_kind = @p1, result_type = @p2, result = @p3 WHERE id = @p4", end, endKind, String(type), value, id);
    }

    /// <summary>A leaf call: enter and return at once.</summary>
    public long Leaf(string module, string func, string resultType, string result, params (string, string, string)[] args)
    {
        var id = Enter(module, func, args);
        Return(resultType, result);
        return id;
    }

    /// <summary>What the dumper writes when the traced program exits: the run's end time and its exit code, if any.</summary>
    public void EndRun(long? exitCode) =>
        Exec("UPDATE runs SET ended_ns = @p0, exit_code = @p1 WHERE id = 1", Clock += Step, exitCode);

    public void Drop(long count, long? timeNs = null) =>
        Exec("INSERT INTO drops(run, pid, time_ns, count) VALUES (1, @p0, @p1, @p2)", Pid, timeNs ?? (Clock += Step), count);

    public void Dispose() => _connection.Dispose();
}
