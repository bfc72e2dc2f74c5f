using System.Text.Json;
using Microsoft.Data.Sqlite;
using Pytrace.Storage;

namespace Pytrace.Reader.Tests.Support;

/// <summary>
/// Writes a traces database with the real schema, call by call, as the dumper would: WAL, a calls row at entry
/// updated at the end, type names in strings, values interned in vals and referenced from the args array.
/// </summary>
public sealed class TraceBuilder : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, long> _strings = [];
    private readonly Dictionary<(string, string), long> _values = [];
    private readonly Dictionary<(string, string), int> _lines = [];
    private readonly Stack<long> _stack = new();
    private long? _thread;

    public string Path { get; }
    public long Pid { get; set; } = 4321;
    public long Tid { get; set; } = 1;
    /// <summary>Wall-clock ns of the next event; each event advances it by Step.</summary>
    public long Clock { get; set; }
    public long Step { get; set; } = 1_000;
    /// <summary>False gives every argument value a vals row of its own, as a writer whose value cache started over.</summary>
    public bool InternValues { get; set; } = true;

    public TraceBuilder(string path)
    {
        Path = path;
        _connection = new SqliteConnection($"Data Source={path};Pooling=False");
        _connection.Open();
        Exec("PRAGMA journal_mode = WAL");
        Exec(Schema.Tables);
        Exec(Schema.Views);
        Exec($"INSERT OR REPLACE INTO meta VALUES ('schema_version', '{Schema.Version}')");
        Exec("INSERT OR IGNORE INTO runs(id, command, started_ns) VALUES (1, 'python3 shop.py', 0)");
        Clock = LocalNs(2026, 11, 25, 12, 1, 2);
        // As the writer does, an epoch shortly before the first call: the reader must add it back to every start.
        Exec($"INSERT OR IGNORE INTO meta VALUES ('{Schema.EpochNs}', @p0)", Epoch);
    }

    public static long LocalNs(int y, int mo, int d, int h, int mi, int s) =>
        (TimeZoneInfo.ConvertTimeToUtc(new DateTime(y, mo, d, h, mi, s, DateTimeKind.Unspecified), TimeZoneInfo.Local) - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>The file's epoch (meta epoch_ns): calls.start counts from it.</summary>
    public long Epoch { get; } = LocalNs(2026, 11, 25, 12, 0, 0);

    public void Exec(string sql, params object?[] parameters)
    {
        using var command = Command(sql, parameters);
        command.ExecuteNonQuery();
    }

    private long Scalar(string sql, params object?[] parameters)
    {
        using var command = Command(sql, parameters);
        return Convert.ToInt64(command.ExecuteScalar());
    }

    private SqliteCommand Command(string sql, object?[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < parameters.Length; i++)
            command.Parameters.AddWithValue("@p" + i, parameters[i] ?? DBNull.Value);
        return command;
    }

    public void Thread(long pid, long tid, string name)
    {
        Pid = pid;
        Tid = tid;
        Exec("INSERT OR IGNORE INTO threads(run, pid, tid, name) VALUES (1, @p0, @p1, @p2)", pid, tid, name);
        _thread = Scalar("SELECT id FROM threads WHERE run = 1 AND pid = @p0 AND tid = @p1", pid, tid);
        _stack.Clear();
    }

    private long String(string text)
    {
        if (_strings.TryGetValue(text, out var id))
            return id;
        Exec("INSERT OR IGNORE INTO strings(text) VALUES (@p0)", text);
        return _strings[text] = Scalar("SELECT id FROM strings WHERE text = @p0", text);
    }

    private long Value(string type, string text)
    {
        if (InternValues && _values.TryGetValue((type, text), out var id))
            return id;
        Exec("INSERT INTO vals(type, text) VALUES (@p0, @p1)", String(type), text);
        return _values[(type, text)] = Scalar("SELECT last_insert_rowid()");
    }

    // Arguments named "?" are past the declared ones: params lists the names before the first of them.
    private long Function(string module, string name, string file, int line, IEnumerable<string> names)
    {
        var parameters = JsonSerializer.Serialize(names.TakeWhile(n => n != "?"));
        Exec("INSERT OR IGNORE INTO functions(module, name, file, line, params) VALUES (@p0, @p1, @p2, @p3, @p4)", module, name, file, line, parameters);
        return Scalar("SELECT id FROM functions WHERE module = @p0 AND name = @p1 AND file = @p2 AND line = @p3 AND params = @p4",
            module, name, file, line, parameters);
    }

    private static string File(string module) => $"/src/{module.Replace('.', '/')}.py";

    /// <summary>Starts a call in the current thread, child of the innermost open one; ARGS are (name, type, value).</summary>
    public long Enter(string module, string func, params (string Name, string Type, string Value)[] args) =>
        Enter(module, func, Schema.CallKind.Call, args);

    public long Enter(string module, string func, int kind, params (string Name, string Type, string Value)[] args)
    {
        if (!_lines.TryGetValue((module, func), out var line))
            _lines[(module, func)] = line = 10 + _lines.Count;
        var id = Insert(Function(module, func, File(module), line, args.Select(a => a.Name)), kind, args);
        _stack.Push(id);
        return id;
    }

    /// <summary>
    /// A pytrace.log(message, **fields) record from line LINE of MODULE, under the innermost open call, as the
    /// tracer writes one: a finished kind-2 row of a function named 'log' at the call site whose params are
    /// message and the field names, no result.
    /// </summary>
    public long Log(string module, int line, (string Type, string Value) message, params (string Name, string Type, string Value)[] fields)
    {
        (string Name, string Type, string Value)[] args = [("message", message.Type, message.Value), .. fields];
        var id = Insert(Function(module, "log", File(module), line, args.Select(a => a.Name)), Schema.CallKind.Log, args);
        Exec($"UPDATE {Schema.CallRows} SET duration = 0, {Schema.SetEndKind("@p0")} WHERE id = @p1", Schema.EndKind.Return, id);
        return id;
    }

    private long Insert(long function, int kind, (string Name, string Type, string Value)[] args)
    {
        if (_thread is null)
            Thread(Pid, Tid, "MainThread");
        long? parent = _stack.Count > 0 ? _stack.Peek() : null;
        var argsColumn = args.Length == 0 ? null : ArgsColumn.Encode(args.Select(a => Value(a.Type, a.Value)).ToArray());
        var id = Scalar("SELECT coalesce(max(id), 0) + 1 FROM calls");
        Exec($"INSERT INTO {Schema.CallRows}(id, parent_gap, thread, packed, start, function, args) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6)",
            id, id - parent, _thread, Schema.Packed(_stack.Count, kind, Schema.EndKind.Unfinished), (Clock += Step) - Epoch, function, argsColumn);
        return id;
    }

    public void Return(string type, string value, long? duration = null) => End(Schema.EndKind.Return, type, value, duration);

    public void Yield(string type, string value) => End(Schema.EndKind.Yield, type, value, null);

    public void Raise(string type, string repr, long? duration = null) => End(Schema.EndKind.Exception, type, repr, duration);

    private void End(int endKind, string type, string value, long? duration)
    {
        var id = _stack.Pop();
        var start = Epoch + Scalar("SELECT start FROM calls WHERE id = @p0", id);
        var end = duration is { } d ? start + d : Clock += Step;
        Clock = Math.Max(Clock, end);
        Exec($"UPDATE {Schema.CallRows} SET duration = @p0, {Schema.SetEndKind("@p1")}, result = @p2 WHERE id = @p3", end - start, endKind, Value(type, value), id);
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
