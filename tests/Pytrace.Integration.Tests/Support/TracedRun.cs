using Microsoft.Data.Sqlite;

namespace Pytrace.Integration.Tests.Support;

/// <summary>A Python program written to a temporary folder and run under the real `pytrace`.</summary>
public sealed class TracedRun : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("pytrace-test-").FullName;
    public string Db => Path.Combine(Folder, "traces.sqlite");
    public string Python { get; }

    public TracedRun(string minor) => Python = Pythons.Require(minor);

    public string Write(string name, string source)
    {
        string path = Path.Combine(Folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, source.Replace("\r\n", "\n"));
        return path;
    }

    public ProcessResult Trace(string script, params string[] options) =>
        ProcessRun.Run(Repo.Pytrace, ["--python", Python, "--db", Db, .. options, script], Folder);

    public ProcessResult Untraced(string script, params string[] args) => ProcessRun.Run(Python, [script, .. args], Folder);

    /// <summary>Runs the script with a plain `python` that can import pytrace (the API), as `pytrace pythonpath` says.</summary>
    public ProcessResult WithModule(string script, params string[] args) =>
        ProcessRun.Run(Python, [script, .. args], Folder, new Dictionary<string, string> { ["PYTHONPATH"] = Repo.PythonPath });

    public List<CallRecord> Calls()
    {
        using var connection = new SqliteConnection($"Data Source={Db};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT c.id, c.parent, c.pid, c.tid, c.depth, c.module, c.name, c.kind, c.end_kind, c.result_type, c.result,
                   (SELECT name FROM threads t WHERE t.run = c.run AND t.pid = c.pid AND t.tid = c.tid), c.start_ns, c.end_ns
            FROM call_view c ORDER BY c.id
            """;
        var calls = new List<CallRecord>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                calls.Add(new CallRecord(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetInt32(2),
                    reader.GetInt64(3), reader.GetInt32(4), reader.GetString(5), reader.GetString(6), reader.GetInt32(7),
                    reader.GetInt32(8), reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10),
                    reader.IsDBNull(11) ? null : reader.GetString(11), reader.GetInt64(12), reader.IsDBNull(13) ? null : reader.GetInt64(13), []));
            }
        }
        using var args = connection.CreateCommand();
        args.CommandText = "SELECT call, name, type, value FROM arg_view ORDER BY call, pos";
        var byId = calls.ToDictionary(c => c.Id);
        using (var reader = args.ExecuteReader())
        {
            while (reader.Read())
            {
                if (byId.TryGetValue(reader.GetInt64(0), out var call))
                    call.Args.Add(new ArgRecord(reader.GetString(1), reader.GetString(2), reader.GetString(3)));
            }
        }
        return calls;
    }

    public T Scalar<T>(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Db};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T));
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}

public sealed record CallRecord(long Id, long? Parent, int Pid, long Tid, int Depth, string Module, string Func, int Kind,
    int End, string? ResultType, string? Result, string? Thread, long StartNs, long? EndNs, List<ArgRecord> Args)
{
    public string ArgText => string.Join(", ", Args.Select(a => $"{a.Name}={a.Value}"));
}

public sealed record ArgRecord(string Name, string Type, string Value);
