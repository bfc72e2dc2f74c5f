using System.Text;
using Pytrace.Integration.Tests.Support;
using Pytrace.Records;

namespace Pytrace.Integration.Tests;

/// <summary>
/// Faults the dumper hears of through a ring reach the user as one line each, and what was recorded around them is
/// kept: an internal error the generator caught at a C entry (stored in the database too), and a ring corrupt past
/// some point. The rings are written by the test as the generator would; the dumper is the real `pytrace _dump`.
/// </summary>
public class ReportedFaultTests
{
    [Fact]
    public void A_reported_error_is_printed_once_and_stored_and_the_calls_around_it_are_kept()
    {
        using var run = new TracedRun("3.12");
        var result = DumpRing(run, ring =>
        {
            ulong errorAt = ring.Ticks;
            ring.Write(RecordKind.InternalError, (ref RecordBuilder b) =>
            {
                b.U64(errorAt);
                b.Utf8(Encoding.UTF8.GetBytes("ArgumentException: The path is empty. at CodeRegistry.ModeFor"));
            });
            ReturnFromCheckout(ring);
            ring.Finish();
        });

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("done 1 ", result.Stdout.Trim());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([$"pytrace: internal error in process {Environment.ProcessId}: ArgumentException: The path is empty. at CodeRegistry.ModeFor (that event was not recorded; the program went on)"], lines);
        Assert.Equal("ArgumentException: The path is empty. at CodeRegistry.ModeFor", run.Scalar<string>("SELECT message FROM errors"));
        Assert.Equal(1, run.Scalar<long>("SELECT count(*) FROM errors"));
        var call = Assert.Single(run.Calls());
        Assert.Equal(("checkout", 1), (call.Func, call.End));
    }

    [Fact]
    public void A_corrupt_ring_keeps_what_came_before_and_is_said_once()
    {
        using var run = new TracedRun("3.12");
        var result = DumpRing(run, ring =>
        {
            ReturnFromCheckout(ring);
            ring.FinishCorrupt();
        });

        Assert.Equal(0, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"pytrace: the ring of process {Environment.ProcessId} is corrupt (", line);
        Assert.Equal("checkout", Assert.Single(run.Calls()).Func);
    }

    [Fact]
    public void A_record_too_short_for_its_kind_is_a_corrupt_ring_not_a_crash()
    {
        using var run = new TracedRun("3.12");
        var result = DumpRing(run, ring =>
        {
            ReturnFromCheckout(ring);
            ring.Write(RecordKind.Return, (ref RecordBuilder b) => b.U16(0)); // well framed, its fields cut short
            ring.Finish();
        });

        Assert.Equal(0, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"pytrace: the ring of process {Environment.ProcessId} is corrupt (", line);
        Assert.Equal("checkout", Assert.Single(run.Calls()).Func);
    }

    /// <summary>
    /// Runs `pytrace _dump` over one ring that has defined shop.checkout and called it; <paramref name="rest"/> writes
    /// what follows. Returns once the dumper has drained it and ended; the ring folder must be empty then.
    /// </summary>
    private static ProcessResult DumpRing(TracedRun run, Action<SyntheticRing> rest)
    {
        string rings = Directory.CreateTempSubdirectory("pytrace-rings-").FullName;
        const string Session = "reportedfaulttest";
        var dumper = ProcessRun.Start(Repo.Pytrace, ["_dump", "--session", Session, "--ring-dir", rings, "--db", run.Db], run.Folder);
        Assert.Equal("ready", dumper.StandardOutput.ReadLine());
        using (var ring = new SyntheticRing(rings, Session, Environment.ProcessId))
        {
            ring.Write(RecordKind.CodeDef, (ref RecordBuilder b) =>
            {
                b.U32(1); b.U32(3); b.U16(0); b.U16(0);
                b.Utf8("shop"u8); b.Utf8("checkout"u8); b.Utf8("/src/shop.py"u8);
            });
            ring.Write(RecordKind.Thread, (ref RecordBuilder b) => { b.U64(77); b.Utf8("MainThread"u8); });
            ring.Write(RecordKind.TimeBase, (ref RecordBuilder b) => b.U32((uint)(ring.Ticks >> 32)));
            ulong callAt = ring.Ticks;
            ring.Write(RecordKind.Call, (ref RecordBuilder b) => { b.U32((uint)callAt); b.U32(1); b.U16(0); b.U16(0); });
            rest(ring);
        }
        dumper.StandardInput.WriteLine("stop");
        dumper.StandardInput.Close();
        var result = ProcessRun.Finish(dumper, TimeSpan.FromSeconds(60));
        Assert.Empty(Directory.GetFileSystemEntries(rings));
        Directory.Delete(rings);
        return result;
    }

    private static void ReturnFromCheckout(SyntheticRing ring)
    {
        ulong returnAt = ring.Ticks;
        ring.Write(RecordKind.Return, (ref RecordBuilder b) => { b.U32((uint)returnAt); b.U32(1); b.U16(0); b.U32(0); b.U16(0); });
    }
}
