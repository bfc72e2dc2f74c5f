using Pytrace.Dumper.Tests.Support;
using Pytrace.Storage;

namespace Pytrace.Dumper.Tests;

/// <summary>The dumper over synthetic rings: what reaches the database when the records say exactly this.</summary>
public sealed class DumperTests : IDisposable
{
    private readonly DumpedRun _run = new();

    public void Dispose() => _run.Dispose();

    private static RingScript Shop(RingScript ring) => ring.Type(1, "int").Code(1, "shop", "checkout", "cart", "user").Code(2, "shop", "price", "item").Thread(7);

    [Fact]
    public void A_call_and_its_arguments_are_one_row_with_values_stored_once()
    {
        var ring = Shop(_run.Ring());
        for (int i = 0; i < 3; i++)
            ring.Call(1, 0, "'cart'", "'ann'").Call(2, 1, "'book'").Return(2, 1, "24").Return(1, 0, "24");
        var dumper = _run.Dump(maxTraces: 0, append: false, ring);

        Assert.Equal(6, dumper.Calls);
        var args = _run.Query("SELECT call, pos, name, type, value FROM arg_view ORDER BY call, pos",
            r => $"{r.GetInt64(1)} {r.GetString(2)}:{r.GetString(3)}={r.GetString(4)}");
        Assert.Equal(["0 cart:int='cart'", "1 user:int='ann'", "0 item:int='book'"], args.Take(3));
        Assert.Equal(6, _run.Scalar("SELECT count(*) FROM calls"));
        Assert.Equal(4, _run.Scalar("SELECT count(*) FROM vals")); // 'cart', 'ann', 'book', 24
        var children = _run.Query("SELECT c.parent, p.name FROM call_view c JOIN call_view p ON p.id = c.parent WHERE c.name = 'price'", r => r.GetString(1));
        Assert.Equal(["checkout", "checkout", "checkout"], children);
    }

    [Fact]
    public void After_dropped_records_the_stacks_resynchronise_on_depth()
    {
        var ring = Shop(_run.Ring());
        ring.Call(1, 0, "'cart'", "'ann'").Call(2, 1, "'book'").Drop(5) // price's return is lost
            .Call(2, 1, "'pen'").Return(2, 1, "3").Return(1, 0, "27");
        var dumper = _run.Dump(maxTraces: 0, append: false, ring);

        Assert.Equal(5, dumper.Dropped);
        var rows = _run.Query("SELECT c.name, c.end_kind, coalesce(p.name, '-') FROM call_view c LEFT JOIN call_view p ON p.id = c.parent ORDER BY c.id",
            r => $"{r.GetString(0)} {r.GetInt64(1)} {r.GetString(2)}");
        Assert.Equal(["checkout 1 -", "price 0 checkout", "price 1 checkout"], rows);
        Assert.Equal(5, _run.Scalar("SELECT sum(count) FROM drops"));
    }

    [Fact]
    public void Times_carried_as_their_low_half_cross_a_time_base_exactly()
    {
        // Calls and ends carry the low 32 bits of their ticks; a TimeBase record gives the high ones when they change.
        var ring = Shop(_run.Ring());
        ring.Wait((1UL << 32) - 2_000).Call(1, 0, "'cart'", "'ann'").Wait(5_000).Call(2, 1, "'book'").Return(2, 1, "24")
            .Wait(3L << 32).Return(1, 0, "24");
        _run.Dump(maxTraces: 0, append: false, ring);

        var durations = _run.Query("SELECT end_ns - start_ns FROM call_view ORDER BY id", r => r.GetInt64(0));
        // Each record takes a tick of the synthetic clock: a few more than the waits, never 2^32 more or less.
        Assert.InRange(durations[0], 5_000 + (3L << 32), 5_010 + (3L << 32));
        Assert.InRange(durations[1], 1, 10);
    }

    [Fact]
    public void A_call_still_open_when_its_batch_is_written_gets_its_end_later()
    {
        var ring = Shop(_run.Ring(capacity: 16 << 20));
        ring.Call(1, 0, "'cart'", "'ann'");
        for (int i = 0; i < 70_000; i++) ring.Call(2, 1, "'book'").Return(2, 1, "2"); // more than one batch
        ring.Return(1, 0, "'paid'");
        _run.Dump(maxTraces: 0, append: false, ring);

        var outer = _run.Query("SELECT end_kind, result, end_ns > start_ns FROM call_view WHERE name = 'checkout'",
            r => $"{r.GetInt64(0)} {r.GetString(1)} {r.GetBoolean(2)}");
        Assert.Equal(["1 'paid' True"], outer);
        Assert.Equal(70_000, _run.Scalar("SELECT count(*) FROM call_view WHERE name = 'price' AND end_kind = 1 AND parent = 1"));
    }

    [Fact]
    public void The_newest_calls_are_kept_exactly_and_the_older_ones_are_mostly_never_written()
    {
        var ring = Shop(_run.Ring(capacity: 16 << 20));
        for (int i = 0; i < 50_000; i++) ring.Call(2, 0, $"'item{i}'").Return(2, 0, i.ToString());
        var dumper = _run.Dump(maxTraces: 1_000, append: false, ring);

        Assert.Equal(50_000, dumper.Calls);
        Assert.Equal(49_000, dumper.Trimmed);
        Assert.Equal(0, dumper.Dropped);
        Assert.True(dumper.Written < 50_000, $"all {dumper.Written} calls were written, though most fell out of the window");
        var kept = _run.Query("SELECT result FROM call_view ORDER BY id", r => r.GetString(0));
        Assert.Equal(Enumerable.Range(49_000, 1_000).Select(i => i.ToString()), kept);
        Assert.Equal(49_000, _run.Scalar("SELECT trimmed FROM runs"));
    }

    [Fact]
    public void A_kept_value_is_named_by_its_slot_even_when_the_calls_around_its_definition_are_skimmed()
    {
        var ring = Shop(_run.Ring(capacity: 16 << 20));
        ring.Keep(3, "[1, 2, 3]");
        for (int i = 0; i < 50_000; i++)
        {
            if (i == 20_000) ring.Keep(5, "{'a': 1}"); // among calls older than the window: skimmed, not written
            if (i == 30_000) ring.Keep(3, "[4, 5]");   // another value for the slot
            ring.CallNaming(2, 0, 3).Return(2, 0, "1");
        }
        for (int i = 0; i < 1_000; i++) ring.CallNaming(2, 0, (ushort)(i % 2 == 0 ? 3 : 5)).Return(2, 0, "1");
        var dumper = _run.Dump(maxTraces: 1_000, append: false, ring);

        Assert.True(dumper.Written < 51_000, "no call was skimmed: the test shows nothing");
        var kept = _run.Query("SELECT value FROM arg_view ORDER BY call", r => r.GetString(0));
        Assert.Equal(Enumerable.Range(0, 1_000).Select(i => i % 2 == 0 ? "[4, 5]" : "{'a': 1}"), kept);
    }

    [Fact]
    public void An_object_sent_as_its_type_and_address_is_the_text_object_repr_writes()
    {
        var ring = Shop(_run.Ring()).Type(2, "Cart", "app.models.Cart").Type(3, "Ünï", "Ünï");
        ring.CallWithObject(2, 0, 2, 0x7f3a2b1c4d50).Return(2, 0, "1");
        ring.CallWithObject(2, 0, 2, 0x7f3a2b1c4d50).Return(2, 0, "1");
        ring.CallWithObject(2, 0, 3, 0x10).Return(2, 0, "1");
        _run.Dump(maxTraces: 0, append: false, ring);

        var args = _run.Query("SELECT type, value FROM arg_view ORDER BY call", r => $"{r.GetString(0)} {r.GetString(1)}");
        Assert.Equal(["Cart <app.models.Cart object at 0x7f3a2b1c4d50>", "Cart <app.models.Cart object at 0x7f3a2b1c4d50>", "Ünï <Ünï object at 0x10>"], args);
        Assert.Equal(1, _run.Scalar("SELECT count(*) FROM vals WHERE text LIKE '<app.models.Cart%'")); // stored once
    }

    [Fact]
    public void Max_traces_trims_only_the_run_being_recorded()
    {
        var first = Shop(_run.Ring());
        for (int i = 0; i < 100; i++) first.Call(2, 0, "'a'").Return(2, 0, "1");
        _run.Dump(maxTraces: 0, append: false, first);
        var second = Shop(_run.Ring());
        for (int i = 0; i < 500; i++) second.Call(2, 0, "'b'").Return(2, 0, "2");
        _run.Dump(maxTraces: 10, append: true, second);

        Assert.Equal(100, _run.Scalar("SELECT count(*) FROM call_view WHERE run = 1"));
        Assert.Equal(10, _run.Scalar("SELECT count(*) FROM call_view WHERE run = 2"));
        Assert.Equal(0, _run.Scalar("SELECT count(*) FROM call_view c WHERE c.run = 1 AND c.id > (SELECT min(id) FROM call_view WHERE run = 2)"));
    }
}
