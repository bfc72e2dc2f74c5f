using Microsoft.Data.Sqlite;
using Pytrace.Storage;

namespace Pytrace.Dumper.Tests;

/// <summary>
/// The writer binds a calls row's parameters only where they changed and appends the next id as NULL: whatever
/// the pattern of repeats, NULLs, id jumps and commits, each row reads back exactly as it was given.
/// </summary>
public sealed class CallRowsTests
{
    [Fact]
    public void Rows_read_back_exactly_whatever_repeats_nulls_and_id_jumps_they_have()
    {
        string folder = Directory.CreateTempSubdirectory("pytrace-rows-").FullName;
        string path = Path.Combine(folder, "rows.sqlite");
        var rng = new Random(11);
        long startNs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var given = new List<(CallValues Row, long[] Args)>();
        // ids: a run, a jump forward, a block below the largest (another process's), then on past the largest
        var ids = Enumerable.Range(1, 150).Select(i => (long)i)
            .Concat(Enumerable.Range(1000, 130).Select(i => (long)i))
            .Concat(Enumerable.Range(400, 70).Select(i => (long)i))
            .Concat(Enumerable.Range(1130, 90).Select(i => (long)i));
        try
        {
            using (var db = TraceWriter.Open(path, append: false))
            {
                db.StartRun("test", folder, "python", "host", 1);
                foreach (long id in ids)
                {
                    var row = new CallValues
                    {
                        Id = id,
                        Parent = rng.Next(3) == 0 ? 0 : rng.Next(2) == 0 ? 7 : id - 1,
                        Thread = rng.Next(4) == 0 ? 2 : 1,
                        StartNs = startNs + (rng.Next(5) == 0 ? 100 : id * 10),
                        Duration = rng.Next(4) == 0 ? -1 : rng.Next(3),
                        Function = rng.Next(2) + 1,
                        Result = rng.Next(3) == 0 ? 0 : rng.Next(2) + 5,
                        Depth = rng.Next(2),
                        Kind = rng.Next(5) == 0 ? 1 : 0,
                        EndKind = rng.Next(3),
                    };
                    long[] args = rng.Next(3) == 0 ? [] : Enumerable.Range(0, rng.Next(1, 4)).Select(_ => (long)rng.Next(1, 9)).ToArray();
                    db.Insert(row, args);
                    given.Add((row, args));
                    if (rng.Next(97) == 0) db.Commit(); // the queued rows go in one by one
                }
                db.Commit();
            }

            using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT id, parent, thread, depth, start, duration, function, kind, end_kind, result, args FROM calls";
            var stored = new Dictionary<long, string>();
            using (var reader = select.ExecuteReader())
                while (reader.Read())
                    stored[reader.GetInt64(0)] = string.Join("|", Enumerable.Range(0, 11).Select(i => reader.IsDBNull(i) ? "NULL" : reader.GetValue(i).ToString()));
            Assert.Equal(given.Count, stored.Count);
            long epoch = EpochOf(path);
            foreach (var (row, args) in given)
            {
                string expected = string.Join("|", row.Id, row.Parent == 0 ? "NULL" : row.Parent, row.Thread, row.Depth,
                    row.StartNs - epoch, row.Duration < 0 ? "NULL" : row.Duration, row.Function, row.Kind, row.EndKind,
                    row.Result == 0 ? "NULL" : row.Result, args.Length == 0 ? "NULL" : ArgsColumn.Encode(args));
                Assert.Equal(expected, stored[row.Id]);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Two_writers_taking_turns_on_one_file_keep_their_own_ids()
    {
        string folder = Directory.CreateTempSubdirectory("pytrace-rows-").FullName;
        string path = Path.Combine(folder, "rows.sqlite");
        try
        {
            using (var first = TraceWriter.Open(path, append: false))
            using (var second = TraceWriter.Open(path, append: true))
            {
                first.StartRun("first", folder, "python", "host", 1);
                second.StartRun("second", folder, "python", "host", 1);
                for (int turn = 0; turn < 3; turn++)
                {
                    for (long id = 1 + turn * 10; id <= 10 + turn * 10; id++) first.Insert(new CallValues { Id = id, Thread = 1, Function = 1, Duration = -1 }, []);
                    first.Commit();
                    for (long id = 1001 + turn * 10; id <= 1010 + turn * 10; id++) second.Insert(new CallValues { Id = id, Thread = 2, Function = 1, Duration = -1 }, []);
                    second.Commit();
                }
            }
            using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT thread, min(id), max(id), count(*) FROM calls GROUP BY thread ORDER BY thread";
            using var reader = select.ExecuteReader();
            var groups = new List<string>();
            while (reader.Read()) groups.Add($"{reader.GetInt64(0)}: {reader.GetInt64(1)}-{reader.GetInt64(2)} ({reader.GetInt64(3)})");
            Assert.Equal(["1: 1-30 (30)", "2: 1001-1030 (30)"], groups);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static long EpochOf(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = $"SELECT value FROM meta WHERE key = '{Schema.EpochNs}'";
        return Convert.ToInt64(select.ExecuteScalar());
    }
}
