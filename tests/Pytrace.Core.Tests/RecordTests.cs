using System.Text;
using Pytrace.Records;
using Pytrace.Ring;

namespace Pytrace.Core.Tests;

public unsafe class RecordTests
{
    [Fact]
    public void Builder_and_decoder_agree_on_every_field_type()
    {
        byte* buffer = stackalloc byte[256];
        var b = new RecordBuilder(buffer, 256, RecordKind.CodeDef);
        b.U8(7);
        b.U16(65535);
        b.U32(0xDEADBEEF);
        b.U64(ulong.MaxValue - 1);
        b.Utf8(Encoding.UTF8.GetBytes("café 日本"));
        byte* slot = b.BeginString();
        b.U8((byte)'x');
        b.U8((byte)'y');
        b.EndString(slot);
        int length = b.Finish();
        Assert.False(b.Overflowed);

        uint header = *(uint*)buffer;
        Assert.Equal((byte)RecordKind.CodeDef, RingLayout.KindOf(header));
        Assert.Equal(length, RingLayout.LengthOf(header));
        var d = new RecordDecoder(new ReadOnlySpan<byte>(buffer + 4, length - 4));
        Assert.Equal(7, d.U8());
        Assert.Equal(65535, d.U16());
        Assert.Equal(0xDEADBEEF, d.U32());
        Assert.Equal(ulong.MaxValue - 1, d.U64());
        Assert.Equal("café 日本", d.String());
        Assert.Equal("xy", d.String());
        Assert.True(d.AtEnd);
    }

    [Fact]
    public void Writes_past_the_buffer_are_dropped_and_flagged()
    {
        byte* buffer = stackalloc byte[32];
        var b = new RecordBuilder(buffer, 16, RecordKind.Call);
        b.U64(1);
        Assert.False(b.Overflowed);
        b.U64(2);
        Assert.True(b.Overflowed);
        Assert.Equal(0, buffer[16 + 4 - 4 + 4]); // nothing was written past the capacity
    }

    [Fact]
    public void Drop_record_round_trips()
    {
        byte* buffer = stackalloc byte[24];
        int length = RecordWriter.DropRecord(buffer, 123, 456);
        Assert.Equal(20, length);
        var d = new RecordDecoder(new ReadOnlySpan<byte>(buffer + 4, length - 4));
        Assert.Equal(123UL, d.U64());
        Assert.Equal(456UL, d.U64());
    }
}
