using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Pytrace.Dumper.Tests.Support;
using Pytrace.Storage;

namespace Pytrace.Dumper.Tests;

/// <summary>The database's disk fills up under the dumper: a real, small tmpfs (root only, as CI runs here).</summary>
public sealed class DiskFullTests
{
    [Fact]
    public void A_full_disk_stops_writing_keeps_what_was_committed_and_still_releases_the_rings()
    {
        Assert.SkipWhen(Environment.UserName != "root", "mounting a small tmpfs needs root");
        string disk = Directory.CreateTempSubdirectory("pytrace-full-").FullName;
        Assert.Equal(0, Run("mount", "-t", "tmpfs", "-o", "size=3M", "tmpfs", disk));
        try
        {
            using var run = new DumpedRun(disk);
            var ring = run.Ring(capacity: 32 << 20).Type(1, "str").Code(1, "shop", "note", "text").Thread(7);
            for (int i = 0; i < 100_000; i++) ring.Call(1, 0, $"'{new string('x', 60)} {i}'").Return(1, 0, "None");
            ring.Ring.Finish();

            using (var db = TraceWriter.Open(run.Db, append: false))
            {
                db.StartRun("test", disk, "python", "host", 1);
                db.Commit();
                var dumper = new RunDumper(db, run.Rings, DumpedRun.Session, maxTraces: 0);
                // On a thread of its own: a dumper that does not notice its writer failed decodes for ever (it did
                // when the writer failed with its queue full), and the test must fail then, not hang the suite.
                var running = Task.Factory.StartNew(() => dumper.Run(() => true), TaskCreationOptions.LongRunning);
                Assert.True(((IAsyncResult)running).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(60)), "the dumper did not stop when the disk was full");
                var failure = Assert.IsType<TraceDatabaseException>(running.Exception?.InnerException);
                Assert.Contains("full", failure.Message);
                dumper.DiscardRest(() => true);
            }
            ring.Ring.Dispose();
            Assert.Empty(Directory.GetFileSystemEntries(run.Rings)); // released, though not recorded

            using var connection = new SqliteConnection($"Data Source={run.Db};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", check.ExecuteScalar());
            check.CommandText = "SELECT count(*) FROM calls";
            Assert.InRange((long)check.ExecuteScalar()!, 0, 99_999);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Run("umount", "-l", disk);
            Directory.Delete(disk);
        }
    }

    private static int Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
