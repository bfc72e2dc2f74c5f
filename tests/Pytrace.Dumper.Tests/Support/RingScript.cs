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

    public RingScript Type(uint id, string name)
    {
        ring.Write(RecordKind.TypeDef, (ref RecordBuilder b) => { b.U32(id); b.Utf8(System.Text.Encoding.UTF8.GetBytes(name)); });
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
        ulong at = ring.Ticks;
        ring.Write(RecordKind.Call, (ref RecordBuilder b) =>
        {
            b.U64(at); b.U32(code); b.U16((ushort)depth); b.U16((ushort)values.Length);
            foreach (var v in values) { b.U32(1); b.Utf8(System.Text.Encoding.UTF8.GetBytes(v)); }
        });
        return this;
    }

    public RingScript Return(uint code, int depth, string value)
    {
        ulong at = ring.Ticks;
        ring.Write(RecordKind.Return, (ref RecordBuilder b) =>
        {
            b.U64(at); b.U32(code); b.U16((ushort)depth); b.U32(1); b.Utf8(System.Text.Encoding.UTF8.GetBytes(value));
        });
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
