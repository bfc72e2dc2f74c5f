using System.Runtime.CompilerServices;
using Pytrace.Generator.Formatting;
using Pytrace.Generator.Interop;
using Pytrace.Records;

namespace Pytrace.Generator.Tracing;

/// <summary>
/// Records built where they go in the ring, in one pass: the most a record can take is reserved, each value is
/// written at a cursor that stays in a register, and the record is published. A value that cannot be written there
/// (a type not defined in this ring yet, a container, anything that needs the formatter) makes the pass give up with
/// nothing published, and the record is built in a scratch buffer instead.
/// </summary>
internal static unsafe partial class Tracer
{
    /// <summary>
    /// A call whose arguments are all in-place values. Built in a scratch buffer and copied, the copy's 8-byte loads
    /// waited for the narrower stores just made there (store forwarding fails); built through a RecordBuilder, its
    /// cursor went through memory at every write.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool CallInPlace(ThreadInfo* t, CodeInfo* c, nint* slots, ulong ticks)
    {
        int count = c->ArgCount;
        if (!AnnouncedAndTimed(t, ticks)) return false;
        byte* place = Ring.Reserve(16 + count * s_valueBound);
        if (place == null) return false;
        byte* p = HeadInPlace(place, t, c, ticks);
        *(ushort*)p = (ushort)count;
        p += 2;
        for (int i = 0; i < count; i++)
            if ((p = InPlace(p, ArgAt(c, slots, Slot(c, i)))) == null) return false;
        t->Depth++;
        Publish(place, p, RecordKind.Call);
        return true;
    }

    /// <summary><see cref="CallInPlace"/> for a return or yield.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool EndInPlace(ThreadInfo* t, CodeInfo* c, RecordKind kind, nint value, ulong ticks)
    {
        if (!AnnouncedAndTimed(t, ticks)) return false;
        byte* place = Ring.Reserve(16 + s_valueBound);
        if (place == null) return false;
        byte* p = InPlace(HeadInPlace(place, t, c, ticks), value);
        if (p == null) return false;
        Publish(place, p, kind);
        return true;
    }

    /// <summary>A Resume record, all head.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ResumeInPlace(ThreadInfo* t, CodeInfo* c, ulong ticks)
    {
        if (!AnnouncedAndTimed(t, ticks)) return false;
        byte* place = Ring.Reserve(16);
        if (place == null) return false;
        byte* p = HeadInPlace(place, t, c, ticks);
        t->Depth++;
        Publish(place, p, RecordKind.Resume);
        return true;
    }

    /// <summary><see cref="Head"/> at <paramref name="place"/>, after the frame's word; returns where the body begins.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* HeadInPlace(byte* place, ThreadInfo* t, CodeInfo* c, ulong ticks)
    {
        *(uint*)(place + 4) = (uint)ticks;
        *(uint*)(place + 8) = c->Id;
        *(ushort*)(place + 12) = (ushort)t->Depth;
        return place + 14;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Publish(byte* place, byte* end, RecordKind kind)
    {
        int length = (int)(end - place);
        *(uint*)place = RecordBuilder.Frame(kind, length);
        Ring.Publish(length);
    }

    /// <summary>
    /// A value written at <paramref name="p"/>, which has room for <see cref="s_valueBound"/> bytes: an exact int,
    /// None, a bool, an exact str or float, a small tuple of those, a container named by its kept text
    /// (<see cref="KeptInPlace"/>), or an object written as its type and address (<see cref="CompactOpaqueType"/>);
    /// the end of what was written, or null for any other value.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* InPlace(byte* p, nint o)
    {
        if (o == 0) { *(uint*)p = 0; *(ushort*)(p + 4) = 0; return p + 6; } // no value: an unbound argument
        nint type = Py.TypeOf(o);
        TypeInfo* info;
        if (type == Py.LongType)
        {
            if ((info = DefinedInRing(s_int)) == null) return null;
            *(uint*)p = info->Id;
            int small = PyInt.SmallIndex(o);
            if (small < 0) return IntInPlace(p, o);
            return Ended(p, PyInt.WriteSmall(p + 6, small));
        }
        if (o == Py.None) return (info = DefinedInRing(s_none)) == null ? null : WordInPlace(p, info, 0x656E6F4E, 4); // "None"
        if (type == Py.BoolType)
        {
            if ((info = DefinedInRing(s_bool)) == null) return null;
            if (o == Py.True) return WordInPlace(p, info, 0x65757254, 4); // "True"
            p[10] = (byte)'e';
            return WordInPlace(p, info, 0x736C6146, 5); // "False"
        }
        if (type == Py.UnicodeType) return StrInPlace(p, o);
        if (type == Py.FloatType) return FloatInPlace(p, o);
        if (type == Py.DictType || type == Py.ListType) return KeptInPlace(p, o, type);
        if (type == Py.TupleType) { byte* named = KeptInPlace(p, o, type); return named != null ? named : TupleInPlace(p, o); }
        info = CompactOpaqueType(TypeRegistry.Find(type), type);
        if (info == null) return null;
        *(uint*)p = OpaqueValues.Reference;
        *(uint*)(p + 4) = info->Id;
        *(ulong*)(p + 8) = (ulong)o;
        return p + OpaqueValues.Length;
    }

    /// <summary>A built-in type's entry when it is defined in this ring, else null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TypeInfo* DefinedInRing(TypeInfo* cached) => cached != null && cached->DefinedEpoch == Epoch ? cached : null;

    /// <summary>A value's text, written after its type id and length at <paramref name="p"/>, ends at <paramref name="end"/>: stores its length; returns END.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* Ended(byte* p, byte* end)
    {
        *(ushort*)(p + 4) = (ushort)(end - p - 6);
        return end;
    }

    /// <summary>A value whose text is 4 or 5 ASCII bytes: the first 4 as one word (a fifth is stored by the caller).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* WordInPlace(byte* p, TypeInfo* info, uint firstFour, int length)
    {
        *(uint*)p = info->Id;
        *(ushort*)(p + 4) = (ushort)length;
        *(uint*)(p + 6) = firstFour;
        return p + 6 + length;
    }

    /// <summary>An exact int that is not a cached one, its type id already at <paramref name="p"/>: up to 60 bits, and only if the value limit keeps it whole.</summary>
    private static byte* IntInPlace(byte* p, nint o)
    {
        if (!PyInt.TryRead(o, out long value)) return null;
        byte* end = ValueText.WriteDecimal(p + 6, value);
        if (end - (p + 6) > MaxValueLength) return null; // the formatter cuts it
        return Ended(p, end);
    }

    /// <summary>
    /// An exact dict, list or tuple whose kept text is still its text and is defined in this ring, named by its slot
    /// (<see cref="KeptValues"/>): a table's rows passed again and again, a graph's adjacency. Null for any other,
    /// which the scratch build formats and may keep; only the outermost record names kept values, as there.
    /// </summary>
    private static byte* KeptInPlace(byte* p, nint o, nint type)
    {
        if (!ContainerTexts.Enabled || s_level != 0) return null;
        TypeInfo* info = DefinedInRing(type == Py.DictType ? s_dict : type == Py.ListType ? s_list : s_tuple);
        if (info == null) return null;
        int slot = ContainerTexts.Find(o, info->Kind);
        if (slot < 0 || !ContainerTexts.IsDefined(slot, Epoch)) return null;
        *(uint*)p = KeptValues.Reference;
        *(ushort*)(p + 4) = (ushort)slot;
        return p + 6;
    }

    /// <summary>Items a tuple formatted in place has at most: a yielded pair, a key, a few arguments.</summary>
    private const int InPlaceTupleItems = 8;

    /// <summary>
    /// A small exact tuple of exact ints, floats, strs, bools and None, as the formatter writes it: no item can run
    /// Python code or need a type definition, so it is formatted where it goes (a generator yielding a fresh pair
    /// each time, whose kept text would never be used again). Null for any other.
    /// </summary>
    private static byte* TupleInPlace(byte* p, nint o)
    {
        if (ValueFormatter.FullRepr) return null;
        TypeInfo* info = DefinedInRing(s_tuple);
        long size = Py.VarSize(o);
        if (info == null || size > InPlaceTupleItems) return null;
        nint* items = (nint*)(o + 24);
        for (long i = 0; i < size; i++)
        {
            nint type = Py.TypeOf(items[i]);
            if (type != Py.LongType && type != Py.UnicodeType && type != Py.FloatType && type != Py.BoolType && items[i] != Py.None) return null;
        }
        *(uint*)p = info->Id;
        var w = new ValueText(p + 6, MaxValueLength);
        nint* open = stackalloc nint[ValueFormatter.MaxNesting + 1];
        ValueFormatter.Container(ref w, o, TypeKind.Tuple, 0, open);
        return Ended(p, p + 6 + w.Finish());
    }

    /// <summary>An exact float as the formatter writes it, its shortest repr.</summary>
    private static byte* FloatInPlace(byte* p, nint o)
    {
        TypeInfo* info = DefinedInRing(s_float);
        if (info == null) return null;
        *(uint*)p = info->Id;
        var w = new ValueText(p + 6, MaxValueLength);
        ScalarFormatter.Float(ref w, o);
        return Ended(p, p + 6 + w.Finish());
    }

    /// <summary>An exact str as the formatter writes it (reading it runs no Python code).</summary>
    private static byte* StrInPlace(byte* p, nint o)
    {
        TypeInfo* info = DefinedInRing(s_str);
        if (info == null) return null;
        *(uint*)p = info->Id;
        byte* end = MaxValueLength >= 17 ? ScalarFormatter.ShortStr(p + 6, o) : null;
        if (end == null)
        {
            var w = new ValueText(p + 6, MaxValueLength);
            ScalarFormatter.Str(ref w, o);
            end = p + 6 + w.Finish();
        }
        return Ended(p, end);
    }
}
