using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Pytrace.Storage;

namespace Pytrace.Reader.Bench;

/// <summary>
/// Writes a synthetic web-server trace with the real schema: requests on two threads, each a small tree
/// (parse, authenticate, query → connect/fetch/decode, render → escape), an exception every 997 requests and a
/// drop every million calls. Indexes are built at the end, as the dumper does when a run ends.
/// </summary>
public sealed class Generator(string path, long calls, bool indexes = true)
{
    private readonly Dictionary<string, long> _strings = [];
    private SqliteCommand _call = null!, _arg = null!;
    private long _id, _clock = (new DateTime(2026, 11, 25, 12, 0, 0, DateTimeKind.Local).ToUniversalTime() - DateTime.UnixEpoch).Ticks * 100;
    private readonly Stack<long> _stack = new();
    private long _tid, _dropsWritten;

    private static readonly (string Module, string Name)[] Functions =
    [
        ("app.web", "handle_request"), ("app.web", "parse_headers"), ("app.auth", "authenticate"), ("app.db", "query"),
        ("app.db", "connect"), ("app.db", "Cursor.fetch"), ("app.db", "decode_row"), ("app.views", "render"),
        ("app.views", "escape"),
    ];

    public void Run()
    {
        var watch = Stopwatch.StartNew();
        File.Delete(path);
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        Exec(connection, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -200000;");
        Exec(connection, Schema.Tables);
        Exec(connection, $"INSERT INTO meta VALUES ('schema_version', '{Schema.Version}'); " +
                         "INSERT INTO runs(id, command, started_ns) VALUES (1, 'python3 bench_server.py', 0);" +
                         "INSERT INTO threads VALUES (1, 4321, 1, 'MainThread'), (1, 4321, 2, 'worker-1');");
        for (var i = 0; i < Functions.Length; i++)
            Exec(connection, $"INSERT INTO functions VALUES ({i + 1}, '{Functions[i].Module}', '{Functions[i].Name}', '/srv/{Functions[i].Module.Replace('.', '/')}.py', {10 * i + 3})");
        _call = Prepare(connection, "INSERT INTO calls VALUES (@id, @parent, 1, 4321, @tid, @depth, @start, @end, @function, 0, @endKind, @resultType, @result)",
            "@id", "@parent", "@tid", "@depth", "@start", "@end", "@function", "@endKind", "@resultType", "@result");
        _arg = Prepare(connection, "INSERT INTO args VALUES (@call, @pos, @name, @type, @value)", "@call", "@pos", "@name", "@type", "@value");
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
        Console.Error.WriteLine($"\r  {_id:N0} calls written in {watch.Elapsed.TotalSeconds:F0} s");
        if (indexes)
        {
            // A database left without them is what a reader sees while a run is still being recorded.
            Exec(connection, Schema.Indexes);
            Exec(connection, $"INSERT INTO meta VALUES ('complete', '1'); UPDATE runs SET calls = {_id}, ended_ns = {_clock};");
        }
        Exec(connection, "PRAGMA journal_mode = WAL;");
        Console.Error.WriteLine($"  done in {watch.Elapsed.TotalSeconds:F0} s: {new FileInfo(path).Length / 1_000_000:N0} MB");
    }

    private SqliteTransaction Begin(SqliteConnection connection)
    {
        var transaction = connection.BeginTransaction();
        _call.Transaction = _arg.Transaction = transaction;
        return transaction;
    }

    private void Request(long request)
    {
        _tid = request % 2 + 1;
        var user = $"'user{request % 5000}'";
        Enter(1, ("request", "int", request.ToString()), ("user", "str", user));
        Leaf(2, "dict", "{'Host': 'shop', 'Accept': '*/*'}", ("raw", "bytes", $"b'GET /item/{request} HTTP/1.1'"));
        if (request % 997 == 996)
        {
            Enter(3, ("user", "str", user), ("token", "str", "'tok" + request % 7919 + "'"));
            Exit(Schema.EndKind.Exception, "PermissionError", $"token expired for {user}");
            Exit(Schema.EndKind.Exception, "PermissionError", $"token expired for {user}");
            return;
        }
        Leaf(3, "bool", "True", ("user", "str", user), ("token", "str", "'tok" + request % 7919 + "'"));
        Enter(4, ("sql", "str", $"'SELECT * FROM items{request % 50} WHERE id = ?'"), ("params", "tuple", $"({request},)"));
        Leaf(5, "Connection", "<sqlite3.Connection object at 0x7f3a2c1b5e40>", ("dsn", "str", "'db.sqlite'"));
        for (var k = 0; k < request % 4 + 1; k++)
        {
            Enter(6, ("self", "Cursor", "<app.db.Cursor object at 0x7f3a2c1b6f10>"), ("n", "int", (k + 1).ToString()));
            Leaf(7, "dict", $"{{'id': {request}, 'name': 'item {k}', 'price': {k * 3 + 1}.5}}", ("row", "tuple", $"({request}, 'item {k}', {k * 3 + 1}.5)"));
            Exit(Schema.EndKind.Return, "list", $"[{{'id': {request}, 'name': 'item {k}'}}]");
        }
        Exit(Schema.EndKind.Return, "list", "[...]");
        Enter(8, ("template", "str", $"'page{request % 20}.html'"), ("ctx", "dict", $"{{'user': {user}, 'items': [...]}}"));
        Leaf(9, "str", $"'item {request}'", ("s", "str", $"'item {request}'"));
        Leaf(9, "str", "'&lt;b&gt;'", ("s", "str", "'<b>'"));
        Exit(Schema.EndKind.Return, "str", $"'<html>... {request % 1000} ...</html>'");
        Exit(Schema.EndKind.Return, "Response", "<Response [200]>");
        if (_id / 1_000_000 > _dropsWritten)
        {
            _dropsWritten++;
            using var drop = _call.Connection!.CreateCommand();
            drop.Transaction = _call.Transaction;
            drop.CommandText = $"INSERT INTO drops VALUES (1, 4321, {_clock}, {request % 90 + 10})";
            drop.ExecuteNonQuery();
        }
    }

    private void Leaf(int function, string type, string result, params (string, string, string)[] args)
    {
        Enter(function, args);
        Exit(Schema.EndKind.Return, type, result);
    }

    // Calls are written at their end (the row is complete then); ids are taken at entry so start order holds.
    private readonly Stack<(long Id, long? Parent, int Depth, long Start, int Function)> _open = new();

    private void Enter(int function, params (string Name, string Type, string Value)[] args)
    {
        var id = ++_id;
        _open.Push((id, _open.Count > 0 ? _open.Peek().Id : null, _open.Count, _clock += 700 + id % 1300, function));
        for (var i = 0; i < args.Length; i++)
            Insert(_arg, id, i, String(args[i].Name), String(args[i].Type), args[i].Value);
    }

    private void Exit(int endKind, string type, string result)
    {
        var call = _open.Pop();
        Insert(_call, call.Id, call.Parent, _tid, call.Depth, call.Start, _clock += 300 + call.Id % 500, call.Function, endKind, String(type), result);
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
