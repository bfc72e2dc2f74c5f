using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>
/// Short of space: the shared memory for the rings smaller than a ring, or the disk filling up under the database: what was committed stays (and the file stays sound), pytrace prints one
/// line, the rings are still drained and released, and pytrace exits with the program's own code. The full disk is a
/// real one: a small tmpfs mounted for the test (root only, as CI runs here).
/// </summary>
public class ShortOfSpaceTests
{
    [Fact]
    public void Shared_memory_smaller_than_the_ring_gives_a_smaller_ring_and_says_so()
    {
        using var run = new TracedRun("3.12");
        using var small = new SmallTmpfs("6M");
        string shm = small.Folder;
        var script = run.Write("x.py", "def f(i):\n    return i\nfor i in range(1000):\n    f(i)\nprint('done')\n");
        var result = ProcessRun.Run(Repo.Pytrace, ["--python", run.Python, "--db", run.Db, script], run.Folder,
            new Dictionary<string, string> { ["PYTRACE_RING_DIR"] = shm });
        Assert.Equal((0, "done\n"), (result.ExitCode, result.Stdout)); // no SIGBUS
        Assert.Matches(@"pytrace: process \d+: only 4 MiB of shared memory free in .*: this process records into a ring of that size instead of 16 MiB", result.Stderr);
        Assert.Equal(1000, run.Calls().Count(c => c.Func == "f"));
        Assert.Empty(Directory.GetFileSystemEntries(shm));
    }

    [Fact]
    public void A_full_disk_keeps_what_was_committed_and_the_program_s_exit_code()
    {
        using var run = new TracedRun("3.12");
        using var small = new SmallTmpfs("40M");
        string disk = small.Folder;
        string db = Path.Combine(disk, "t.sqlite");
        var script = run.Write("big.py", """
            import sys, time
            def f(i, s):
                return s
            for i in range(300000):
                f(i, "payload %d" % i * 3)
                if i % 5000 == 0:
                    time.sleep(0.01)  # commits come every few thousand calls, so some land before the disk is full
            print("finished")
            sys.exit(7)
            """);
        string rings = Directory.CreateTempSubdirectory("pytrace-rings-").FullName;
        var result = ProcessRun.Run(Repo.Pytrace, ["--python", run.Python, "--db", db, script], run.Folder,
            new Dictionary<string, string> { ["PYTRACE_RING_DIR"] = rings });
        Assert.Equal(7, result.ExitCode);
        Assert.Equal("finished\n", result.Stdout);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^pytrace: writing .*t\.sqlite failed: database or disk is full \([A-Za-z _]+\); the [0-9,]+ calls written before are kept, the rest of the run was not recorded$", line);
        Assert.Empty(Directory.GetFiles(rings));
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", check.ExecuteScalar());
        check.CommandText = "SELECT count(*) FROM calls";
        long kept = (long)check.ExecuteScalar()!;
        Assert.InRange(kept, 1, 299_999);
        Assert.Contains($"the {kept:N0} calls written before are kept", line);
    }
}
