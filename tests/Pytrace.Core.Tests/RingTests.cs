using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pytrace.Records;
using Pytrace.Ring;

namespace Pytrace.Core.Tests;

public sealed unsafe class RingTests : IDisposable
{
    private readonly byte* _map;

    public RingTests() => _map = NewRing(64 * 1024);

    public void Dispose() => NativeMemory.AlignedFree(_map);

    private static byte* NewRing(long capacity)
    {
        var map = (byte*)NativeMemory.AlignedAlloc((nuint)(RingLayout.HeaderSize + capacity), 4096);
        new Span<byte>(map, (int)(RingLayout.HeaderSize + capacity)).Clear();
        *(ulong*)(map + RingLayout.CapacityOffset) = (ulong)capacity;
        *(ulong*)(map + RingLayout.MagicOffset) = RingLayout.Magic;
        return map;
    }

    /// <summary>A Call-shaped record whose payload is its sequence number and a run of filler bytes.</summary>
    private static int Build(byte* buffer, ulong sequence, int filler)
    {
        var b = new RecordBuilder(buffer, 4096, RecordKind.Call);
        b.U64(sequence);
        for (int i = 0; i < filler; i++) b.U8((byte)(sequence + (ulong)i));
        return b.Finish();
    }

    private sealed class Collector : IRecordSink
    {
        public readonly List<(byte Kind, byte[] Payload)> Records = [];
        public void OnRecord(byte kind, ReadOnlySpan<byte> payload) => Records.Add((kind, payload.ToArray()));
    }

    /// <summary>
    /// A consumer on its own thread: drains MAP into SINK, as much per round as BUDGET says (and keeps its heartbeat
    /// fresh), until STOPPED is set and the ring is empty. Stop it by setting the flag, then join it.
    /// </summary>
    private static Thread StartConsumer(byte* map, Collector sink, Func<int, long> budget, StrongBox<int> stopped)
    {
        var consumer = new Thread(() =>
        {
            var reader = new RingReader(map);
            var local = sink;
            for (int round = 0; Volatile.Read(ref stopped.Value) == 0 || !reader.IsEmpty; round++)
            {
                reader.Heartbeat(Pytrace.Interop.Libc.Now(Pytrace.Interop.Libc.CLOCK_MONOTONIC));
                reader.Drain(ref local, budget(round));
                if (round % 3 == 0) Thread.Yield();
            }
        });
        consumer.Start();
        return consumer;
    }

    /// <summary>Splits each run back into records, as the dumper's backlog reads them.</summary>
    private sealed class RunCollector : IRecordRunSink
    {
        public readonly List<(byte Kind, ulong Sequence)> Records = [];
        public int Runs, Calls, Bytes, LongestRun;
        public int Room { get; set; } = int.MaxValue;

        public void OnRun(byte* records, int length, int calls)
        {
            Runs++;
            Calls += calls;
            Bytes += length;
            LongestRun = Math.Max(LongestRun, length);
            int first = RingLayout.Align(RingLayout.LengthOf(*(uint*)records));
            Assert.True(length <= Room || length == first, $"a run of {length} bytes for a room of {Room}");
            for (int at = 0; at < length;)
            {
                uint header = *(uint*)(records + at);
                Assert.NotEqual(RingLayout.PadKind, RingLayout.KindOf(header));
                Records.Add((RingLayout.KindOf(header), *(ulong*)(records + at + 4)));
                at += RingLayout.Align(RingLayout.LengthOf(header));
                Assert.True(at <= length, "a run ends on a record boundary");
            }
        }
    }

    [Fact]
    public void Runs_hold_whole_records_in_order_and_count_the_calls_across_wrap_arounds_and_byte_limits()
    {
        var writer = new RingWriter();
        writer.Attach(_map);
        var reader = new RingReader(_map);
        var sink = new RunCollector();
        byte* buffer = stackalloc byte[4096];
        ulong next = 0;
        int calls = 0;
        for (int round = 0; round < 300; round++)
        {
            for (int i = 0; i < 29; i++, next++)
            {
                int length = Build(buffer, next, (int)(next % 250));
                if (next % 3 == 0) *(uint*)buffer = RingLayout.Header((byte)RecordKind.Return, length); // not a call
                else calls++;
                Assert.True(writer.TryWrite(buffer, length, 0));
            }
            // An odd limit most rounds: a run stops before a record it would cut, which comes in the next one.
            while (reader.DrainRuns(ref sink, round % 4 == 0 ? long.MaxValue : 1000 + round) > 0) { }
        }
        Assert.True(reader.IsEmpty);
        Assert.Equal((int)next, sink.Records.Count);
        Assert.Equal(calls, sink.Calls);
        for (int i = 0; i < sink.Records.Count; i++)
        {
            Assert.Equal((ulong)i, sink.Records[i].Sequence);
            Assert.Equal(i % 3 == 0 ? (byte)RecordKind.Return : (byte)RecordKind.Call, sink.Records[i].Kind);
        }
        Assert.True(sink.Runs < sink.Records.Count / 4, $"{sink.Runs} runs for {sink.Records.Count} records: records come in runs");
    }

    [Fact]
    public void Runs_are_cut_to_the_room_the_sink_has_and_a_longer_record_comes_alone()
    {
        var writer = new RingWriter();
        writer.Attach(_map);
        var reader = new RingReader(_map);
        byte* buffer = stackalloc byte[4096];
        for (ulong i = 0; i < 40; i++) Assert.True(writer.TryWrite(buffer, Build(buffer, i, i == 20 ? 3000 : 100), 0));
        var sink = new RunCollector { Room = 1000 };
        while (reader.DrainRuns(ref sink, long.MaxValue) > 0) { }
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (ulong)i), sink.Records.Select(r => r.Sequence));
        Assert.True(sink.LongestRun > 3000, "the long record came out whole");
        Assert.True(sink.Runs >= 40 * 112 / 1000, $"{sink.Runs} runs: cut to the room");
    }

    [Fact]
    public void A_first_record_bigger_than_the_byte_limit_still_gets_out()
    {
        var writer = new RingWriter();
        writer.Attach(_map);
        var reader = new RingReader(_map);
        byte* buffer = stackalloc byte[4096];
        Assert.True(writer.TryWrite(buffer, Build(buffer, 1, 3000), 0));
        Assert.True(writer.TryWrite(buffer, Build(buffer, 2, 3000), 0));
        var sink = new RunCollector();
        Assert.True(reader.DrainRuns(ref sink, 100) > 0); // a limit smaller than any record
        Assert.Equal([1UL], sink.Records.Select(r => r.Sequence));
        reader.DrainRuns(ref sink, 100);
        Assert.Equal([1UL, 2UL], sink.Records.Select(r => r.Sequence));
    }

    [Fact]
    public void A_corrupt_length_ends_the_run_after_the_good_records_before_it()
    {
        var writer = new RingWriter();
        writer.Attach(_map);
        var reader = new RingReader(_map);
        byte* buffer = stackalloc byte[4096];
        int length = Build(buffer, 7, 20);
        Assert.True(writer.TryWrite(buffer, length, 0));
        ulong corruptAt = (ulong)RingLayout.Align(length);
        *(uint*)(_map + RingLayout.HeaderSize + (long)corruptAt) = RingLayout.Header((byte)RecordKind.Call, 0x7FFFFF); // past the ring's end
        Volatile.Write(ref *(ulong*)(_map + RingLayout.WritePosOffset), corruptAt + 64);
        var sink = new RunCollector();
        Assert.Throws<InvalidDataException>(() => reader.DrainRuns(ref sink, long.MaxValue));
        Assert.Equal(7UL, Assert.Single(sink.Records).Sequence);
    }

    [Fact]
    public void Records_come_out_in_order_across_many_wrap_arounds()
    {
        var writer = new RingWriter();
        writer.Attach(_map);
        var reader = new RingReader(_map);
        var sink = new Collector();
        byte* buffer = stackalloc byte[4096];
        ulong next = 0;
        for (int round = 0; round < 200; round++)
        {
            for (int i = 0; i < 37; i++, next++) Assert.True(writer.TryWrite(buffer, Build(buffer, next, (int)(next % 300)), 0));
            reader.Drain(ref sink, long.MaxValue);
        }
        Assert.Equal((int)next, sink.Records.Count);
        for (int i = 0; i < sink.Records.Count; i++)
        {
            var (kind, payload) = sink.Records[i];
            Assert.Equal((byte)RecordKind.Call, kind);
            Assert.Equal((ulong)i, BitConverter.ToUInt64(payload, 0));
            Assert.Equal(8 + i % 300, payload.Length);
            for (int k = 8; k < payload.Length; k++) Assert.Equal((byte)(i + k - 8), payload[k]);
        }
        Assert.Equal(0UL, reader.DroppedRecords);
    }

    [Fact]
    public void A_full_ring_drops_counts_and_reports_the_gap_when_space_returns()
    {
        var writer = new RingWriter();
        writer.Attach(_map);
        byte* buffer = stackalloc byte[4096];
        int written = 0, dropped = 0;
        for (ulong i = 0; i < 2000; i++)
        {
            if (writer.TryWrite(buffer, Build(buffer, i, 100), 1000 + i)) written++;
            else dropped++;
        }
        Assert.True(dropped > 0 && written > 0);
        var reader = new RingReader(_map);
        Assert.Equal((ulong)dropped, reader.DroppedRecords);
        var sink = new Collector();
        reader.Drain(ref sink, long.MaxValue);
        Assert.Equal(written, sink.Records.Count);

        Assert.True(writer.TryWrite(buffer, Build(buffer, 9999, 10), 5000));
        sink.Records.Clear();
        reader.Drain(ref sink, long.MaxValue);
        Assert.Equal(2, sink.Records.Count);
        Assert.Equal((byte)RecordKind.Drop, sink.Records[0].Kind);
        var drop = new RecordDecoder(sink.Records[0].Payload);
        Assert.Equal(1000UL + (ulong)written, drop.U64()); // time of the first lost record
        Assert.Equal((ulong)dropped, drop.U64());
        Assert.Equal(9999UL, BitConverter.ToUInt64(sink.Records[1].Payload, 0));
    }

    [Fact]
    public void A_concurrent_consumer_sees_every_record_or_an_exact_drop_count()
    {
        byte* map = NewRing(256 * 1024);
        try
        {
            const int total = 300_000;
            var sink = new Collector();
            var done = new StrongBox<int>();
            var consumer = StartConsumer(map, sink, _ => 1 << 16, done);
            var writer = new RingWriter();
            writer.Attach(map);
            byte* buffer = stackalloc byte[4096];
            for (ulong i = 0; i < total; i++) writer.TryWrite(buffer, Build(buffer, i, (int)(i % 64)), i);
            ulong last = total; // write until one succeeds: that also flushes the pending drop record
            while (!writer.TryWrite(buffer, Build(buffer, last, 0), last)) last++;
            Volatile.Write(ref done.Value, 1);
            consumer.Join();

            ulong expected = 0, lost = 0;
            foreach (var (kind, payload) in sink.Records)
            {
                var d = new RecordDecoder(payload);
                if (kind == (byte)RecordKind.Drop)
                {
                    ulong first = d.U64();
                    Assert.Equal(expected, first); // ticks == sequence here
                    ulong count = d.U64();
                    expected += count;
                    lost += count;
                    continue;
                }
                Assert.Equal(expected, d.U64());
                expected++;
            }
            Assert.Equal(last + 1, expected);
            Assert.Equal(new RingReader(map).DroppedRecords, lost);
        }
        finally
        {
            NativeMemory.AlignedFree(map);
        }
    }

    [Fact]
    public void Waiting_for_room_never_overwrites_what_the_consumer_has_not_read()
    {
        // The writer keeps the read position it saw last: after waiting for room, many laps of the ring may pass
        // before it looks again, and none of them may run over records still unread.
        byte* map = NewRing(64 * 1024);
        try
        {
            *(int*)(map + RingLayout.WaitWhenFullOffset) = 1;
            // A consumer is alive (as RingFile marks a new ring): the writer waits for it rather than giving up.
            *(long*)(map + RingLayout.ConsumerHeartbeatOffset) = Pytrace.Interop.Libc.Now(Pytrace.Interop.Libc.CLOCK_MONOTONIC);
            const int total = 400_000;
            var sink = new Collector();
            var done = new StrongBox<int>();
            // unevenly: the writer waits at times
            var consumer = StartConsumer(map, sink, round => round % 7 == 0 ? 40_000 : 3_000, done);
            var writer = new RingWriter();
            writer.Attach(map);
            byte* buffer = stackalloc byte[4096];
            int refused = 0;
            for (ulong i = 0; i < total; i++) if (!writer.TryWrite(buffer, Build(buffer, i, (int)(i % 200)), i)) refused++;
            Volatile.Write(ref done.Value, 1);
            consumer.Join();
            Assert.Equal(0, refused);

            Assert.Equal(total, sink.Records.Count);
            for (int i = 0; i < total; i++)
            {
                var d = new RecordDecoder(sink.Records[i].Payload);
                Assert.Equal((ulong)i, d.U64());
                Assert.Equal(8 + i % 200, sink.Records[i].Payload.Length);
            }
        }
        finally
        {
            NativeMemory.AlignedFree(map);
        }
    }

    [Fact]
    public void A_producer_killed_mid_write_leaves_nothing_half_visible()
    {
        var writer = new RingWriter();
        writer.Attach(_map);
        byte* buffer = stackalloc byte[4096];
        Assert.True(writer.TryWrite(buffer, Build(buffer, 1, 20), 0));
        // The next record's bytes land in the ring but the write position is never published (the process died).
        int length = Build(buffer, 2, 50);
        ulong position = *(ulong*)(_map + RingLayout.WritePosOffset);
        Buffer.MemoryCopy(buffer, _map + RingLayout.HeaderSize + (long)position, length, length);

        var reader = new RingReader(_map);
        var sink = new Collector();
        Assert.Equal(1, reader.Drain(ref sink, long.MaxValue));
        Assert.Equal(1UL, BitConverter.ToUInt64(sink.Records[0].Payload, 0));
        Assert.True(reader.IsEmpty);
    }

    [Theory]
    [InlineData(0, 64 * 1024)]
    [InlineData(100_000, 64 * 1024)]
    [InlineData(1 << 20, 1 << 20)]
    [InlineData((1 << 20) + 5, 1 << 20)]
    public void Capacity_is_a_power_of_two_of_at_least_64K(long requested, long expected) =>
        Assert.Equal(expected, RingLayout.NormalizeCapacity(requested));
}
