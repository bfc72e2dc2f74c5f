using Microsoft.Data.Sqlite;
using Pytrace.Integration.Tests.Support;
using Pytrace.Storage;

namespace Pytrace.Dumper.Tests.Support;

/// <summary>
/// One run of the real dumper over synthetic rings, in this process: a fresh database and ring folder, the rings
/// the test writes, then <see cref="RunDumper.Run"/> until they are drained and released.
/// </summary>
public sealed class DumpedRun : IDisposable
{
    public const string Session = "dumpertest";

    public string Folder { get; }
    public string Db { get; }
    public string Rings { get; }

    private readonly bool _ownsFolder;

    /// <summary>A run whose database is in FOLDER (then left to the caller), or in a temporary folder of its own.</summary>
    public DumpedRun(string? folder = null)
    {
        _ownsFolder = folder is null;
        Folder = folder ?? Directory.CreateTempSubdirectory("pytrace-dumper-").FullName;
        Db = Path.Combine(Folder, "traces.sqlite");
        Rings = Directory.CreateTempSubdirectory("pytrace-rings-").FullName;
    }

    /// <summary>A ring for this test process, as big as the records it will hold before the dumper runs.</summary>
    public RingScript Ring(long capacity = 1 << 16) => new(new SyntheticRing(Rings, Session, Environment.ProcessId, capacity));

    /// <summary>Dumps every ring written so far (each finished first) into Db, appending when asked; returns the dumper.</summary>
    public RunDumper Dump(long maxTraces, bool append = false, params RingScript[] rings)
    {
        foreach (var ring in rings) ring.Ring.Finish();
        using var db = TraceWriter.Open(Db, append);
        db.StartRun("test", Folder, "python", "host", 1);
        db.Commit();
        var dumper = new RunDumper(db, Rings, Session, maxTraces);
        dumper.Run(() => true);
        db.EndRun(2, 0, dumper.Calls, dumper.Dropped, dumper.Trimmed, dumper.PythonVersion);
        foreach (var ring in rings) ring.Ring.Dispose();
        Assert.Empty(Directory.GetFileSystemEntries(Rings));
        return dumper;
    }

    public List<T> Query<T>(string sql, Func<SqliteDataReader, T> read)
    {
        using var connection = new SqliteConnection($"Data Source={Db};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(read(reader));
        return rows;
    }

    public long Scalar(string sql) => Query(sql, r => r.GetInt64(0)).Single();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(Rings, recursive: true);
        if (_ownsFolder) Directory.Delete(Folder, recursive: true);
    }
}
