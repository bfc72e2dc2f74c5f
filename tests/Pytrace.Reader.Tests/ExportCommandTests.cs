using System.Text.Json;
using Pytrace.Reader.Commands;
using Pytrace.Reader.Tests.Support;
using Pytrace.Storage;

namespace Pytrace.Reader.Tests;

public sealed class ExportCommandTests : IDisposable
{
    private readonly TempDb _db = new();

    public void Dispose() => _db.Dispose();

    private (int Code, string Out, string Err) Export(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = ExportCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void WritesEveryCallWithExactlyTheDocumentedFieldsAndDropsInTimeOrder()
    {
        Shop.Write(_db.Path, more: b =>
        {
            b.Drop(7);
            b.Enter("shop", "gen", Pytrace.Storage.Schema.CallKind.Resume);
            b.Yield("int", "1");
            b.Enter("shop", "main");
        });
        var (code, output, error) = Export("--db", _db.Path, "--format", "jsonl");
        Assert.Equal((0, ""), (code, error));
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal(9, lines.Length);
        Assert.Equal(
            """{"id":1,"parent":null,"pid":4321,"tid":1,"thread":"MainThread","depth":0,"start_ns":""" + Start(1) + ""","end_ns":""" + (Start(1) + 104_000) +
            ""","module":"shop","func":"checkout","file":"/src/shop.py","line":10,"kind":"call","end":"exception","args":[{"name":"cart","type":"Cart","value":"Cart<3 items>"},{"name":"user","type":"str","value":"'ann'"}],"return":null,"exception":{"type":"PaymentError","value":"PaymentError('card declined')"}}""",
            lines[0]);
        var price = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Equal(1, price.GetProperty("parent").GetInt64());
        Assert.Equal("""{"type":"float","value":"24.0"}""", price.GetProperty("return").GetRawText());
        Assert.Equal("""{"kind":"dropped","pid":4321,"count":7,"time_ns":""" + (Start(6) + 2_000) + "}", lines[6]);
        var gen = JsonDocument.Parse(lines[7]).RootElement;
        Assert.Equal(("resume", "yield", """{"type":"int","value":"1"}"""),
            (gen.GetProperty("kind").GetString(), gen.GetProperty("end").GetString(), gen.GetProperty("return").GetRawText()));
        var main = JsonDocument.Parse(lines[8]).RootElement;
        Assert.Equal(("unfinished", JsonValueKind.Null, JsonValueKind.Null), (main.GetProperty("end").GetString(), main.GetProperty("end_ns").ValueKind, main.GetProperty("return").ValueKind));
        Assert.Equal(
            ["id", "parent", "pid", "tid", "thread", "depth", "start_ns", "end_ns", "module", "func", "file", "line", "kind", "end", "args", "return", "exception"],
            main.EnumerateObject().Select(p => p.Name));
    }

    private long Start(long id)
    {
        using var db = Pytrace.Reader.Data.TraceDb.Open(_db.Path);
        return db.ScalarLong("SELECT start_ns FROM call_view WHERE id = @p0", id)!.Value;
    }

    [Fact]
    public void WritesToTheOutputFile()
    {
        Shop.Write(_db.Path);
        var file = Path.Combine(_db.Folder, "out.jsonl");
        Assert.Equal((0, "", ""), Export("--db", _db.Path, "-o", file));
        Assert.Equal(6, File.ReadAllLines(file).Length);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file)); // as private as the database
    }

    [Fact]
    public void MissingDatabaseIsOneLineAndExitTwo()
    {
        var (code, output, error) = Export("--db", Path.Combine(_db.Folder, "nope.sqlite"));
        Assert.Equal((2, ""), (code, output));
        Assert.Equal($"pytrace export: no traces database at {Path.Combine(_db.Folder, "nope.sqlite")} (run `pytrace SCRIPT` first, or pass --db PATH)\n", error);
    }

    [Fact]
    public void NotADatabaseIsOneLineAndExitTwo()
    {
        File.WriteAllText(_db.Path, "this is not sqlite, just some text that is long enough to have a header............");
        var (code, _, error) = Export("--db", _db.Path);
        Assert.Equal(2, code);
        Assert.Equal($"pytrace export: cannot read {_db.Path}: file is not a database\n", error);
    }

    [Fact]
    public void ForeignSqliteDatabaseIsRejected()
    {
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_db.Path}"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE t(x)";
            cmd.ExecuteNonQuery();
        }
        var (code, _, error) = Export("--db", _db.Path);
        Assert.Equal((2, $"pytrace export: {_db.Path} is not a pytrace database\n"), (code, error));
    }

    [Fact]
    public void AnOlderSchemaIsOneLineAskingToRecordAgain()
    {
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_db.Path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); CREATE TABLE calls(id INTEGER PRIMARY KEY); " +
                              "CREATE TABLE functions(id INTEGER PRIMARY KEY); CREATE TABLE strings(id INTEGER PRIMARY KEY, text TEXT); " +
                              "CREATE TABLE args(call INTEGER); INSERT INTO meta VALUES ('schema_version', '2');";
            cmd.ExecuteNonQuery();
        }
        var (code, _, error) = Export("--db", _db.Path);
        Assert.Equal((2, $"pytrace export: {_db.Path} has traces schema version 2; this pytrace reads version {Schema.Version}: record it again with this pytrace\n"), (code, error));
    }

    [Theory]
    [InlineData("--format", "csv")]
    [InlineData("--bogus", "1")]
    [InlineData("-o")]
    [InlineData("extra")]
    public void BadArgumentsAreOneLineAndExitTwo(params string[] args)
    {
        Shop.Write(_db.Path);
        var (code, output, error) = Export([.. args, "--db", _db.Path]);
        Assert.Equal((2, ""), (code, output));
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }
}
