using Pytrace.Dumper.Tests.Support;
using Pytrace.Storage;

namespace Pytrace.Dumper.Tests;

/// <summary>The writing thread on a real database file, fed batches directly.</summary>
public class BatchWriterTests
{
    [Fact]
    public void Rows_the_window_has_no_room_for_are_deleted_ahead_and_newer_ones_kept()
    {
        using var run = new DumpedRun();
        using var db = TraceWriter.Open(run.Db, append: false);
        db.StartRun("test", run.Folder, "python", "host", 1);
        db.Commit();
        using (var writer = new BatchWriter(db, maxTraces: 1_000))
        {
            writer.Submit(Calls(writer, 1, 600));
            writer.Drain();
            Assert.Equal(600, run.Scalar("SELECT count(*) FROM calls"));

            writer.TrimAhead(); // the calls not yet decoded fill the window: the 600 written are outside it
            writer.Drain();
            Assert.Equal(0, run.Scalar("SELECT count(*) FROM calls"));
            Assert.Equal(600, db.Trimmed);

            writer.Submit(Calls(writer, 601, 1_700));
            writer.Drain();
        }
        db.TrimTo(1_000);
        db.Commit();
        Assert.Equal([701, 1_700, 1_000], run.Query("SELECT min(id), max(id), count(*) FROM calls", r => new[] { r.GetInt64(0), r.GetInt64(1), r.GetInt64(2) }).Single());
        Assert.Equal(700, db.Trimmed);
    }

    /// <summary>A batch of finished calls with ids FIRST to LAST.</summary>
    private static WriteBatch Calls(BatchWriter writer, long first, long last)
    {
        var batch = writer.Rent();
        for (long id = first; id <= last; id++)
        {
            int slot = batch.AddCall(id, 0, 1, 0, 1_000 + id, 1, Schema.CallKind.Call);
            batch.EndCall(slot, 2_000 + id, Schema.EndKind.Return, 0);
        }
        return batch;
    }
}
