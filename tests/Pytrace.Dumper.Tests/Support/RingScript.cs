using Pytrace.Integration.Tests.Support;
using Pytrace.Records;

namespace Pytrace.Dumper.Tests.Support;

/// <summary>Writes a traced process's records the way the generator does, a call or a return per line of a test.</summary>
public sealed class RingScript(SyntheticRing ring)
{
    public SyntheticRing Ring => ring;

    /// <summary>Defines code object CODE as module.name with the given argument names.</summary>
    public RingScript Code(uint code, string module, string name, params string[] parameters)
    {
        ring.Write(RecordKind.CodeDef, (ref RecordBuilder b) =>
        {
            b.U32(code); b.U32(1); b.U16(0); b.U16((ushort)parameters.Length);
            b.Utf8(System.Text.Encoding.UTF8.GetBytes(module)); b.Utf8(System.Text.Encoding.UTF8.GetBytes(name)); b.Utf8("/src/app.py"u8);
            foreach (var p in parameters) b.Utf8(System.Text.Encoding.UTF8.GetBytes(p));
        });
        return this;
    }

    /// <summary>A TypeDef: the type's qualified name, and its full name (the module's before it) for its objects' texts.</summary>
    public RingScript Type(uint id, string name, string? fullName = null)
    {
        ring.Write(RecordKind.TypeDef, (ref RecordBuilder b) =>
        {
            b.U32(id);
            b.Utf8(System.Text.Encoding.UTF8.GetBytes(name));
            b.Utf8(System.Text.Encoding.UTF8.GetBytes(fullName ?? name));
        });
        return this;
    }

    public RingScript Thread(ulong tid, string name = "MainThread")
    {
        ring.Write(RecordKind.Thread, (ref RecordBuilder b) => { b.U64(tid); b.Utf8(System.Text.Encoding.UTF8.GetBytes(name)); });
        return this;
    }

    /// <summary>A call of CODE at DEPTH whose arguments are all of type 1 with the given value strings.</summary>
    public RingScript Call(uint code, int depth, params string[] values)
    {
        ulong at = TimeBase();
        ring.Write(RecordKind.Call, (ref RecordBuilder b) =>
        {
            b.U32((uint)at); b.U32(code); b.U16((ushort)depth); b.U16((ushort)values.Length);
            foreach (var v in values) { b.U32(1); b.Utf8(System.Text.Encoding.UTF8.GetBytes(v)); }
        });
        return this;
    }

    /// <summary>Gives SLOT the value VALUE (of type 1), as the generator keeps the text of a container passed again and again.</summary>
    public RingScript Keep(ushort slot, string value)
    {
        ring.Write(RecordKind.KeptValue, (ref RecordBuilder b) => { b.U16(slot); b.U32(1); b.Utf8(System.Text.Encoding.UTF8.GetBytes(value)); });
        return this;
    }

    /// <summary>A call of CODE at DEPTH whose one argument is the value kept in SLOT.</summary>
    public RingScript CallNaming(uint code, int depth, ushort slot)
    {
        ulong at = TimeBase();
        ring.Write(RecordKind.Call, (ref RecordBuilder b) =>
        {
            b.U32((uint)at); b.U32(code); b.U16((ushort)depth); b.U16(1); b.U32(KeptValues.Reference); b.U16(slot);
        });
        return this;
    }

    /// <summary>A call of CODE at DEPTH whose one argument is an object of TYPE at ADDRESS, as the generator writes one of an opaque type.</summary>
    public RingScript CallWithObject(uint code, int depth, uint type, ulong address)
    {
        ulong at = TimeBase();
        ring.Write(RecordKind.Call, (ref RecordBuilder b) =>
        {
            b.U32((uint)at); b.U32(code); b.U16((ushort)depth); b.U16(1); b.U32(OpaqueValues.Reference); b.U32(type); b.U64(address);
        });
        return this;
    }

    public RingScript Return(uint code, int depth, string value)
    {
        ulong at = TimeBase();
        ring.Write(RecordKind.Return, (ref RecordBuilder b) =>
        {
            b.U32((uint)at); b.U32(code); b.U16((ushort)depth); b.U32(1); b.Utf8(System.Text.Encoding.UTF8.GetBytes(value));
        });
        return this;
    }

    private uint? _ticksHigh;

    /// <summary>The ticks of the next record, after a TimeBase record when their high half is new, as the generator writes it.</summary>
    private ulong TimeBase()
    {
        ulong at = ring.Ticks + 1; // the TimeBase record, if any, takes one tick
        if (_ticksHigh != (uint)(at >> 32))
        {
            ring.Write(RecordKind.TimeBase, (ref RecordBuilder b) => b.U32((uint)(at >> 32)));
            _ticksHigh = (uint)(at >> 32);
        }
        return ring.Ticks;
    }

    /// <summary>Lets TICKS pass before the next record.</summary>
    public RingScript Wait(ulong ticks)
    {
        ring.Wait(ticks);
        return this;
    }

    /// <summary>COUNT records lost here, as the generator reports a full ring.</summary>
    public RingScript Drop(long count)
    {
        ulong at = ring.Ticks;
        ring.Write(RecordKind.Drop, (ref RecordBuilder b) => { b.U64(at); b.U64((ulong)count); });
        return this;
    }
}
