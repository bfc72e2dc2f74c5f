using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using Pytrace.Storage;

namespace Pytrace.Reader.Bench;

/// <summary>
/// Writes a synthetic web-server trace with the real schema: requests on two threads, each a small tree
/// (parse, authenticate, query → connect/fetch/decode, render → escape), an exception every 997 requests, a
/// pytrace.log() record every 100 and a drop every million calls. Values are interned as the writer does, with a
/// cache that starts over past the writer's budget, so a frequent value has several vals rows.
/// </summary>
public sealed class Generator(string path, long calls)
{
    // As the writer's value cache: entries cost their key (8-byte type + UTF-8 text) and 64 bytes, 48 MiB in all.
    private const long ValueCacheBytes = 48L << 20;
    private const int LogFunction = 10;

    private readonly Dictionary<string, long> _strings = [];
    private readonly Dictionary<(long, string), long> _values = [];
    private long _valueCacheUsed, _valueCount;
    private SqliteCommand _call = null!, _value = null!;
    private long _id, _clock = Epoch;
    // The file's epoch (meta epoch_ns), as the writer sets it when it creates a file: calls.start counts from it.
    private static readonly long Epoch = (new DateTime(2026, 11, 25, 12, 0, 0, DateTimeKind.Local).ToUniversalTime() - DateTime.UnixEpoch).Ticks * 100;
    private long _thread, _dropsWritten;

    private static readonly (string Module, string Name, string[] Params)[] Functions =
    [
        ("app.web", "handle_request", ["request", "user"]), ("app.web", "parse_headers", ["raw"]),
        ("app.auth", "authenticate", ["user", "token"]), ("app.db", "query", ["sql", "params"]), ("app.db", "connect", ["dsn"]),
        ("app.db", "Cursor.fetch", ["self", "n"]), ("app.db", "decode_row", ["row"]), ("app.views", "render", ["template", "ctx"]),
        ("app.views", "escape", ["s"]), ("app.web", "log", ["message", "status"]),
    ];

    public void Run()
    {
        var watch = Stopwatch.StartNew();
        File.Delete(path);
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        Exec(connection, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -200000;");
        Exec(connection, Schema.Tables);
        Exec(connection, Schema.Views);
        Exec(connection, $"INSERT INTO meta VALUES ('schema_version', '{Schema.Version}'), ('{Schema.EpochNs}', {Epoch}); " +
                         "INSERT INTO runs(id, command, started_ns) VALUES (1, 'python3 bench_server.py', 0);" +
                         "INSERT INTO threads VALUES (1, 1, 4321, 1, 'MainThread'), (2, 1, 4321, 2, 'worker-1');");
        for (var i = 0; i < Functions.Length; i++)
        {
            var (module, name, parameters) = Functions[i];
            Exec(connection, $"INSERT INTO functions VALUES ({i + 1}, '{module}', '{name}', '/srv/{module.Replace('.', '/')}.py', {10 * i + 3}, " +
                             $"'[{string.Join(",", parameters.Select(p => $"\"{p}\""))}]')");
        }
        _call = Prepare(connection, $"INSERT INTO {Schema.CallRows}(id, parent_gap, thread, packed, start, duration, function, result, args) " +
                                    "VALUES (@id, @parentGap, @thread, @packed, @start, @duration, @function, @result, @args)",
            "@id", "@parentGap", "@thread", "@packed", "@start", "@duration", "@function", "@result", "@args");
        _value = Prepare(connection, "INSERT INTO vals VALUES (@id, @type, @text)", "@id", "@type", "@text");
        var transaction = Begin(connection);
        for (long request = 0; _id < calls; request++)
        {
            Request(request);
            if (request % 20_000 == 0)
            {
                transaction.Commit();
                transaction = Begin(connection);
                Console.Error.Write($"\r  {_id:N0} calls written ({watch.Elapsed.TotalSeconds:F0} s)");
            }
        }
        transaction.Commit();
        Exec(connection, $"UPDATE runs SET calls = {_id}, ended_ns = {_clock};");
        Exec(connection, "PRAGMA journal_mode = WAL;");
        Console.Error.WriteLine($"\r  {_id:N0} calls, {_valueCount:N0} vals rows in {watch.Elapsed.TotalSeconds:F0} s: " +
                                $"{new FileInfo(path).Length / 1_000_000:N0} MB, {new FileInfo(path).Length / _id} bytes per call");
    }

    private SqliteTransaction Begin(SqliteConnection connection)
    {
        var transaction = connection.BeginTransaction();
        _call.Transaction = _value.Transaction = transaction;
        return transaction;
    }

    private void Request(long request)
    {
        _thread = request % 2 + 1;
        var user = $"'user{request % 5000}'";
        Enter(1, ("int", request.ToString()), ("str", user));
        Leaf(2, "dict", "{'Host': 'shop', 'Accept': '*/*'}", ("bytes", $"b'GET /item/{request} HTTP/1.1'"));
        if (request % 997 == 996)
        {
            Enter(3, ("str", user), ("str", "'tok" + request % 7919 + "'"));
            Exit(Schema.EndKind.Exception, "PermissionError", $"token expired for {user}");
            Exit(Schema.EndKind.Exception, "PermissionError", $"token expired for {user}");
            return;
        }
        Leaf(3, "bool", "True", ("str", user), ("str", "'tok" + request % 7919 + "'"));
        Enter(4, ("str", $"'SELECT * FROM items{request % 50} WHERE id = ?'"), ("tuple", $"({request},)"));
        Leaf(5, "Connection", "<sqlite3.Connection object at 0x7f3a2c1b5e40>", ("str", "'db.sqlite'"));
        for (var k = 0; k < request % 4 + 1; k++)
        {
            Enter(6, ("Cursor", "<app.db.Cursor object at 0x7f3a2c1b6f10>"), ("int", (k + 1).ToString()));
            Leaf(7, "dict", $"{{'id': {request}, 'name': 'item {k}', 'price': {k * 3 + 1}.5}}", ("tuple", $"({request}, 'item {k}', {k * 3 + 1}.5)"));
            Exit(Schema.EndKind.Return, "list", $"[{{'id': {request}, 'name': 'item {k}'}}]");
        }
        Exit(Schema.EndKind.Return, "list", "[...]");
        Enter(8, ("str", $"'page{request % 20}.html'"), ("dict", $"{{'user': {user}, 'items': [...]}}"));
        Leaf(9, "str", $"'item {request}'", ("str", $"'item {request}'"));
        Leaf(9, "str", "'&lt;b&gt;'", ("str", "'<b>'"));
        Exit(Schema.EndKind.Return, "str", $"'<html>... {request % 1000} ...</html>'");
        if (request % 100 == 0)
            Log(("str", "'served'"), ("int", "200"));
        Exit(Schema.EndKind.Return, "Response", "<Response [200]>");
        if (_id / 1_000_000 > _dropsWritten)
        {
            _dropsWritten++;
            using var drop = _call.Connection!.CreateCommand();
            drop.Transaction = _call.Transaction;
            drop.CommandText = $"INSERT INTO drops(run, pid, time_ns, count) VALUES (1, 4321, {_clock}, {request % 90 + 10})";
            drop.ExecuteNonQuery();
        }
    }

    private void Leaf(int function, string type, string result, params (string Type, string Value)[] args)
    {
        Enter(function, args);
        Exit(Schema.EndKind.Return, type, result);
    }

    // Calls are written at their end (the row is complete then); ids are taken at entry so start order holds.
    private readonly Stack<(long Id, long? Parent, int Depth, long Start, int Function, string? Args)> _open = new();

    private void Enter(int function, params (string Type, string Value)[] args)
    {
        var id = ++_id;
        var argsColumn = args.Length == 0 ? null : ArgsColumn.Encode(args.Select(a => Value(a.Type, a.Value)).ToArray());
        _open.Push((id, _open.Count > 0 ? _open.Peek().Id : null, _open.Count, _clock += 700 + id % 1300, function, argsColumn));
    }

    private void Exit(int endKind, string type, string result)
    {
        var call = _open.Pop();
        var end = _clock += 300 + call.Id % 500;
        Insert(_call, call.Id, call.Id - call.Parent, _thread, Schema.Packed(call.Depth, Schema.CallKind.Call, endKind), call.Start - Epoch,
            end - call.Start, call.Function, Value(type, result), call.Args);
    }

    // A pytrace.log() record: finished when written, no result, its message and fields as arguments.
    private void Log(params (string Type, string Value)[] fields)
    {
        var id = ++_id;
        Insert(_call, id, id - _open.Peek().Id, _thread, Schema.Packed(_open.Count, Schema.CallKind.Log, Schema.EndKind.Return), (_clock += 200) - Epoch,
            0L, LogFunction, null, ArgsColumn.Encode(fields.Select(f => Value(f.Type, f.Value)).ToArray()));
    }

    private long Value(string type, string text)
    {
        var typeId = String(type);
        if (_values.TryGetValue((typeId, text), out var id))
            return id;
        var cost = 8 + Encoding.UTF8.GetByteCount(text) + 64;
        if ((_valueCacheUsed += cost) > ValueCacheBytes)
        {
            _values.Clear();
            _valueCacheUsed = cost;
        }
        Insert(_value, id = ++_valueCount, typeId, text);
        return _values[(typeId, text)] = id;
    }

    private long String(string text)
    {
        if (!_strings.TryGetValue(text, out var id))
        {
            id = _strings[text] = _strings.Count + 1;
            using var command = _call.Connection!.CreateCommand();
            command.Transaction = _call.Transaction;
            command.CommandText = "INSERT INTO strings VALUES (@p0, @p1)";
            command.Parameters.AddWithValue("@p0", id);
            command.Parameters.AddWithValue("@p1", text);
            command.ExecuteNonQuery();
        }
        return id;
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] names)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in names)
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        command.Prepare();
        return command;
    }

    private static void Insert(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        command.ExecuteNonQuery();
    }

    private static void Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
