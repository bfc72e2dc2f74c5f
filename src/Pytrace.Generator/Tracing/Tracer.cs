using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pytrace.Generator.Formatting;
using Pytrace.Generator.Interop;
using Pytrace.Records;
using Pytrace.Ring;

namespace Pytrace.Generator.Tracing;

/// <summary>
/// Turns hook events into ring records. Everything here runs on the traced program's threads with the GIL held,
/// so there is exactly one producer; nothing allocates managed memory.
/// </summary>
internal static unsafe partial class Tracer
{
    public static RingWriter Ring;
    public static bool Active;
    /// <summary>Generation of the ring: bumped when a forked child maps its own, so definitions are written again.</summary>
    public static uint Epoch = 1;
    public static int MaxValueLength = 100;

    // A value's formatting may run Python code (--repr full, a metaclass attribute), which can switch threads and
    // re-enter the hook; each nesting level builds its record in its own scratch buffer.
    private const int ScratchLevels = 4;
    private static byte* s_scratch;
    private static int s_scratchSize;
    private static int s_level;
    private static ThreadInfo* s_announced;
    private static byte* s_small;
    /// <summary>The most a value takes in a record: type id, length and up to four bytes per character.</summary>
    private static int s_valueBound;
    private static TypeInfo* s_int, s_none, s_bool, s_str, s_float, s_list, s_dict, s_tuple;
    /// <summary>The high half of the ticks in the ring's last TimeBase record, and the ring's epoch then (0: none yet).</summary>
    private static uint s_ticksHigh, s_ticksHighEpoch;

    public static void Initialize(int maxValueLength)
    {
        MaxValueLength = Math.Max(8, maxValueLength);
        s_valueBound = 4 * MaxValueLength + 16;
        NativeMemory.Free(s_scratch);
        NativeMemory.Free(s_small);
        s_scratchSize = 64 + 2 * (MaxLogText + 2) + CodeRegistry.MaxArgs * (8 + 4 * MaxValueLength + 8 + MaxLogName + 2);
        s_scratch = (byte*)NativeMemory.Alloc((nuint)(s_scratchSize * ScratchLevels));
        s_small = (byte*)NativeMemory.Alloc(1024);
    }

    /// <summary>Whether a record is being built: formatting may have run Python code that released the GIL.</summary>
    public static bool Busy => s_level > 0;

    /// <summary>After <c>stop()</c>: threads that come back under a later <c>start()</c> begin at depth 0.</summary>
    public static void Restart()
    {
        Epoch++;
        s_announced = null;
    }

    /// <summary>A call: built in the ring when it can be (inlined into the hooks), else in a scratch buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Call(ThreadInfo* t, CodeInfo* c, nint* slots, ulong ticks)
    {
        if (!Ring.IsOpen && !Session.OpenForkedRing()) return;
        if (!Prepare(t, c, ticks)) return;
        if (!CallInPlace(t, c, slots, ticks)) CallInScratch(t, c, slots, ticks);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CallInScratch(ThreadInfo* t, CodeInfo* c, nint* slots, ulong ticks)
    {
        if (!Ring.HasRoom(32 + c->ArgCount * s_valueBound)) { t->Depth++; Ring.CountDrop(ticks); return; }
        if (s_level == 0) s_slotsNamed = 0;
        byte* buffer = s_scratch + s_scratchSize * s_level++;
        var b = new RecordBuilder(buffer, s_scratchSize, RecordKind.Call);
        Head(ref b, t, c, ticks);
        int count = c->ArgCount;
        b.U16((ushort)count);
        for (int i = 0; i < count; i++) Value(ref b, ArgAt(c, slots, Slot(c, i)));
        t->Depth++;
        EmitTimed(t, buffer, b.Finish(), ticks);
        s_level--;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Resume(ThreadInfo* t, CodeInfo* c, ulong ticks)
    {
        if (!Ring.IsOpen && !Session.OpenForkedRing()) return;
        if (!Prepare(t, c, ticks)) return;
        if (!ResumeInPlace(t, c, ticks)) ResumeInScratch(t, c, ticks);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ResumeInScratch(ThreadInfo* t, CodeInfo* c, ulong ticks)
    {
        byte* buffer = s_scratch + s_scratchSize * s_level++;
        var b = new RecordBuilder(buffer, s_scratchSize, RecordKind.Resume);
        Head(ref b, t, c, ticks);
        t->Depth++;
        EmitTimed(t, buffer, b.Finish(), ticks);
        s_level--;
    }

    /// <summary>Return, Yield or Exception; <paramref name="value"/> is the value or the exception (0 if unknown).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void End(ThreadInfo* t, CodeInfo* c, RecordKind kind, nint value, ulong ticks)
    {
        if (t->Depth == 0) return; // a frame that was running before tracing started
        if (!Ring.IsOpen && !Session.OpenForkedRing()) return;
        t->Depth--;
        if (s_level >= ScratchLevels || c->DefinedEpoch != Epoch) { Ring.CountDrop(ticks); return; }
        if (kind == RecordKind.Exception || !EndInPlace(t, c, kind, value, ticks)) EndInScratch(t, c, kind, value, ticks);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void EndInScratch(ThreadInfo* t, CodeInfo* c, RecordKind kind, nint value, ulong ticks)
    {
        if (!Ring.HasRoom(32 + s_valueBound)) { Ring.CountDrop(ticks); return; }
        if (s_level == 0) s_slotsNamed = 0;
        byte* buffer = s_scratch + s_scratchSize * s_level++;
        var b = new RecordBuilder(buffer, s_scratchSize, kind);
        Head(ref b, t, c, ticks);
        if (kind == RecordKind.Exception) value = GeneratorStop.Raised(c, value);
        Value(ref b, value); // an exception is recorded as its repr, like any value
        EmitTimed(t, buffer, b.Finish(), ticks);
        s_level--;
    }

    /// <summary>
    /// INFO, the entry of CLASS, when its values are written as object.__repr__ writes them, whole (no address makes
    /// the text longer than the value limit), and it is defined in this ring: then a value is its type and address,
    /// and the dumper makes the text. Null otherwise, and when the class changed since it was classified.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TypeInfo* CompactOpaqueType(TypeInfo* info, nint type) =>
        info != null && info->Kind == TypeKind.Opaque && info->OpaquePrefix != null && info->DefinedEpoch == Epoch
        && !ValueFormatter.FullRepr && info->OpaquePrefixLength + 17 <= MaxValueLength
        && info->VersionTag == Py.TypeVersion(type) ? info : null;

    /// <summary>An object of a <see cref="CompactOpaqueType"/> as <see cref="OpaqueValues"/>; false when the record has no room.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool CompactOpaque(ref RecordBuilder b, nint o, TypeInfo* type)
    {
        if (b.Remaining < OpaqueValues.Length) return false;
        b.U32(OpaqueValues.Reference);
        b.U32(type->Id);
        b.U64((ulong)o);
        return true;
    }

    /// <summary>What every Call, Resume and end record starts with: the low half of its ticks, the code, the depth.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Head(ref RecordBuilder b, ThreadInfo* t, CodeInfo* c, ulong ticks)
    {
        byte* p = b.Cursor;
        if (b.Remaining < 10)
        {
            b.U32((uint)ticks); // the checked writes mark the record overflowed
            b.U32(c->Id);
            b.U16((ushort)t->Depth);
            return;
        }
        // Three stores and one check where three checked writes spilled the cursor to the stack after each.
        *(uint*)p = (uint)ticks;
        *(uint*)(p + 4) = c->Id;
        *(ushort*)(p + 8) = (ushort)t->Depth;
        b.Cursor = p + 10;
    }

    /// <summary>The frame slot of the code's argument at <paramref name="position"/> in declaration order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Slot(CodeInfo* c, int position) => c->SlotOrder == null ? position : c->SlotOrder[position];

    /// <summary>No Thread or TimeBase record has to go before a record of this thread at these ticks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AnnouncedAndTimed(ThreadInfo* t, ulong ticks) =>
        t == s_announced && t->AnnouncedEpoch == Epoch && t->NameKnown
        && (uint)(ticks >> 32) == s_ticksHigh && s_ticksHighEpoch == Epoch;

    /// <summary>Another profiler held this thread's hook (3.8-3.11), or no monitoring id was left (3.12+), from start to end; nothing was recorded in between.</summary>
    public static void Gap(ThreadInfo* t, ulong startTicks, ulong endTicks)
    {
        if (!Ring.IsOpen) return;
        byte* buffer = stackalloc byte[32];
        var b = new RecordBuilder(buffer, 32, RecordKind.HookGap);
        b.U64(startTicks);
        b.U64(endTicks);
        b.U16((ushort)t->Depth);
        Emit(t, buffer, b.Finish(), endTicks);
    }

    private const int MaxLogText = 1024, MaxLogName = 128;

    /// <summary>
    /// A pytrace.log() record at the thread's current depth: where it was called from, then each field (the
    /// message first) named and formatted like an argument. <paramref name="names"/> and <paramref name="values"/>
    /// are tuples of the same length; names are str.
    /// </summary>
    public static void Log(ThreadInfo* t, nint module, nint file, int line, nint names, nint values, ulong ticks)
    {
        if (!Ring.IsOpen && !Session.OpenForkedRing()) return;
        if (s_level >= ScratchLevels) { Ring.CountDrop(ticks); return; }
        if (s_level == 0) s_slotsNamed = 0;
        byte* buffer = s_scratch + s_scratchSize * s_level++;
        var b = new RecordBuilder(buffer, s_scratchSize, RecordKind.Log);
        b.U64(ticks);
        b.U16((ushort)t->Depth);
        b.U32((uint)line);
        Text(ref b, module, MaxLogText);
        Text(ref b, file, MaxLogText);
        int count = (int)Math.Min(Math.Min(Py.VarSize(names), Py.VarSize(values)), CodeRegistry.MaxArgs);
        b.U16((ushort)count);
        for (int i = 0; i < count; i++)
        {
            Text(ref b, ((nint*)(names + 24))[i], MaxLogName);
            Value(ref b, ((nint*)(values + 24))[i]);
        }
        Emit(t, buffer, b.Finish(), ticks);
        s_level--;
    }

    /// <summary>A str's UTF-8, cut at <paramref name="max"/> bytes on a character boundary; empty for anything else.</summary>
    private static void Text(ref RecordBuilder b, nint o, int max)
    {
        nint size = 0;
        byte* utf8 = o != 0 && Py.TypeOf(o) == Py.UnicodeType ? Py.UnicodeAsUtf8AndSize(o, &size) : null;
        if (utf8 == null) { Py.ErrClear(); b.Utf8(null, 0); return; }
        int length = (int)Math.Min(size, max);
        while (length < size && length > 0 && (utf8[length] & 0xC0) == 0x80) length--;
        b.Utf8(utf8, length);
    }

    /// <summary>Ensures the code's definition is in this ring; false (and a counted drop) when it cannot be.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Prepare(ThreadInfo* t, CodeInfo* c, ulong ticks)
    {
        if (s_level >= ScratchLevels) { t->Depth++; Ring.CountDrop(ticks); return false; }
        if (c->DefinedEpoch == Epoch) return true;
        if (!Ring.TryWrite(c->Definition, c->DefinitionLength, ticks)) { t->Depth++; return false; }
        c->DefinedEpoch = Epoch;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint ArgAt(CodeInfo* c, nint* slots, int i)
    {
        nint o = slots[i];
        if (c->CellIndex == null || c->CellIndex[i] < 0 || !FrameLayout.Verified) return o;
        if (o == 0 && !FrameLayout.Interpreted) o = slots[c->NLocals + c->CellIndex[i]];
        return o != 0 && Py.TypeOf(o) == Py.CellType ? *(nint*)(o + 16) : o;
    }

    private static void Value(ref RecordBuilder b, nint o)
    {
        if (Plain(ref b, o)) return;
        TypeInfo* type = TypeOfValue(Py.TypeOf(o));
        if (CompactOpaqueType(type, Py.TypeOf(o)) != null && CompactOpaque(ref b, o, type)) return;
        // Only the outermost record names kept values: one built inside it (its formatting ran Python code) is
        // written first, and must not change what a slot holds under the outer record's feet.
        bool container = type->Kind is TypeKind.List or TypeKind.Tuple or TypeKind.Dict && ContainerTexts.Enabled && s_level == 1;
        if (container)
        {
            int found = ContainerTexts.Find(o, type->Kind);
            if (found >= 0 && (ContainerTexts.IsDefined(found, Epoch) || Define(found, type))) { Name(ref b, found); return; }
        }
        byte* start = b.Cursor;
        b.U32(type->Id);
        byte* slot = b.BeginString();
        if (b.Remaining < 4 * MaxValueLength + 8) { b.EndString(slot); return; }
        var w = new ValueText(b.Cursor, MaxValueLength);
        nint* open = stackalloc nint[ValueFormatter.MaxNesting + 1];
        if (ValueFormatter.FullRepr) Py.IncRef(o); // its own repr may drop the last other reference to it
        ValueFormatter.Format(ref w, o, type, 0, open);
        if (ValueFormatter.FullRepr) Py.DecRef(o);
        int length = w.Finish();
        int kept = container ? ContainerTexts.Remember(o, type->Kind, b.Cursor, length) : -1;
        b.Cursor += length;
        b.EndString(slot);
        if (kept >= 0 && Define(kept, type))
        {
            b.Cursor = start; // named by its slot instead, for the next records as for this one
            Name(ref b, kept);
        }
    }

    /// <summary>
    /// Slots the record being built names, by their number modulo 64: none of them is given another value before it is
    /// written (a slot that only shares a bit with a named one is not given one either; its value is written in full).
    /// </summary>
    private static ulong s_slotsNamed;

    /// <summary>Writes a slot's kept text into the ring as a KeptValue record; false when it cannot be, or when it would change a slot this record names.</summary>
    private static bool Define(int slot, TypeInfo* type)
    {
        if ((s_slotsNamed & (1UL << (slot & 63))) != 0) return false;
        var text = ContainerTexts.Text(slot);
        int bound = 16 + text.Length;
        if (!Ring.HasRoom(bound)) return false; // a value written in full instead is no loss: not a drop
        byte* buffer = stackalloc byte[bound];
        var b = new RecordBuilder(buffer, bound, RecordKind.KeptValue);
        b.U16((ushort)slot);
        b.U32(type->Id);
        fixed (byte* bytes = text) b.Utf8(bytes, text.Length);
        if (!Ring.TryWrite(buffer, b.Finish(), 0)) return false;
        ContainerTexts.MarkDefined(slot, Epoch);
        return true;
    }

    private static void Name(ref RecordBuilder b, int slot)
    {
        s_slotsNamed |= 1UL << (slot & 63);
        b.U32(KeptValues.Reference);
        b.U16((ushort)slot);
    }

    /// <summary>What a plain value takes at most in a record, with room to spare for its checks.</summary>
    private const int PlainBound = 32;

    /// <summary>
    /// The commonest values of all, an exact int of up to 60 bits (counters, sizes, indexes), None, a bool, an exact
    /// str (and no value, 0): written straight into the record, without the type registry and the value formatter. False leaves
    /// the record as it was, for the general path (<see cref="InPlace"/> writes the same values into the ring).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Plain(ref RecordBuilder b, nint o)
    {
        if (o == 0) { b.U32(0); b.U16(0); return true; }
        nint type = Py.TypeOf(o);
        if (b.Remaining < PlainBound) return false;
        if (type == Py.LongType)
        {
            TypeInfo* info;
            int small = PyInt.SmallIndex(o);
            if (small >= 0)
            {
                // Most ints are the cached ones: their text is at hand.
                if ((info = Defined(ref s_int, type)) == null) return false;
                b.U32(info->Id);
                byte* text = b.BeginString();
                b.Cursor = PyInt.WriteSmall(b.Cursor, small);
                b.EndString(text);
                return true;
            }
            if (!PyInt.TryRead(o, out long value) || (info = Defined(ref s_int, type)) == null) return false;
            b.U32(info->Id);
            byte* slot = b.BeginString();
            byte* end = ValueText.WriteDecimal(b.Cursor, value);
            if (end - b.Cursor > MaxValueLength) { b.Cursor = slot - 4; return false; } // the formatter cuts it
            b.Cursor = end;
            b.EndString(slot);
            return true;
        }
        if (o == Py.None) return Word(ref b, Defined(ref s_none, type), "None"u8);
        if (type == Py.BoolType) return Word(ref b, Defined(ref s_bool, type), o == Py.True ? "True"u8 : "False"u8);
        return type == Py.UnicodeType && (ShortStr(ref b, o) || Str(ref b, o));
    }

    /// <summary>
    /// A short plain str (<see cref="ScalarFormatter.ShortStr"/>), the commonest value of many programs, written here
    /// rather than in a call that would keep the record's cursor in memory; false, nothing written, for any other.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ShortStr(ref RecordBuilder b, nint o)
    {
        TypeInfo* info = Defined(ref s_str, Py.UnicodeType, definedOnly: true);
        if (info == null || b.Remaining < 6 + 17 || MaxValueLength < 17) return false;
        byte* p = b.Cursor;
        byte* end = ScalarFormatter.ShortStr(p + 6, o);
        if (end == null) return false;
        *(uint*)p = info->Id;
        *(ushort*)(p + 4) = (ushort)(end - p - 6);
        b.Cursor = end;
        return true;
    }

    /// <summary>An exact str, as the formatter writes it (reading it runs no Python code); false when it has no room.</summary>
    private static bool Str(ref RecordBuilder b, nint o)
    {
        TypeInfo* info;
        if (b.Remaining < s_valueBound || (info = Defined(ref s_str, Py.UnicodeType)) == null) return false;
        b.U32(info->Id);
        byte* slot = b.BeginString();
        var w = new ValueText(b.Cursor, MaxValueLength);
        ScalarFormatter.Str(ref w, o);
        b.Cursor += w.Finish();
        b.EndString(slot);
        return true;
    }

    private static bool Word(ref RecordBuilder b, TypeInfo* type, ReadOnlySpan<byte> text)
    {
        if (type == null) return false;
        b.U32(type->Id);
        fixed (byte* bytes = text) b.Utf8(bytes, text.Length);
        return true;
    }

    /// <summary>
    /// A built-in type's entry, defined in this ring (a static type's entry lives as long as the process); null if it
    /// cannot be, or, when <paramref name="definedOnly"/>, if its definition is not in this ring yet.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TypeInfo* Defined(ref TypeInfo* cached, nint type, bool definedOnly = false)
    {
        TypeInfo* info = cached;
        if (info != null && info->DefinedEpoch == Epoch) return info;
        if (definedOnly) return null;
        info = cached = TypeRegistry.Get(type);
        DefineType(info);
        return info->DefinedEpoch == Epoch ? info : null;
    }

    /// <summary>
    /// The entry of a value's type, its definition written into this ring if it can be: the usual built-ins are
    /// kept at hand (static types live as long as the process), the rest are looked up.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TypeInfo* TypeOfValue(nint type)
    {
        TypeInfo* info = type == Py.UnicodeType ? Defined(ref s_str, type)
            : type == Py.FloatType ? Defined(ref s_float, type)
            : type == Py.ListType ? Defined(ref s_list, type)
            : type == Py.DictType ? Defined(ref s_dict, type)
            : type == Py.TupleType ? Defined(ref s_tuple, type) : null;
        if (info != null) return info;
        info = TypeRegistry.Get(type);
        DefineType(info);
        return info;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DefineType(TypeInfo* type)
    {
        if (type->DefinedEpoch != Epoch) WriteDefinition(type);
    }

    private static void WriteDefinition(TypeInfo* type)
    {
        if (Ring.TryWrite(type->Definition, type->DefinitionLength, 0)) type->DefinedEpoch = Epoch;
    }

    /// <summary>Writes a record, preceded by a Thread record when the producing thread changed since the last one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Emit(ThreadInfo* t, byte* record, int length, ulong ticks)
    {
        if (t != s_announced || t->AnnouncedEpoch != Epoch || !t->NameKnown) Announce(t, ticks);
        Ring.TryWrite(record, length, ticks);
    }

    /// <summary>
    /// <see cref="Emit"/> for a Call, Resume or end record, which carries the low 32 bits of its ticks: a TimeBase
    /// record with the high 32 goes first when they changed (every 1.4 s of TSC) or the ring is new. Four bytes less
    /// in the two records of every call: under load, the bytes the dumper pulls over from this core limit it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EmitTimed(ThreadInfo* t, byte* record, int length, ulong ticks)
    {
        if (t != s_announced || t->AnnouncedEpoch != Epoch || !t->NameKnown) Announce(t, ticks);
        if ((uint)(ticks >> 32) != s_ticksHigh || s_ticksHighEpoch != Epoch)
        {
            if (!WriteTimeBase(ticks)) return; // counted as the drop of this record
        }
        Ring.TryWrite(record, length, ticks);
    }

    private static bool WriteTimeBase(ulong ticks)
    {
        byte* buffer = stackalloc byte[16];
        var b = new RecordBuilder(buffer, 16, RecordKind.TimeBase);
        b.U32((uint)(ticks >> 32));
        if (!Ring.TryWrite(buffer, b.Finish(), ticks)) return false;
        s_ticksHigh = (uint)(ticks >> 32);
        s_ticksHighEpoch = Epoch;
        return true;
    }

    private static void Announce(ThreadInfo* t, ulong ticks)
    {
        bool needed = t != s_announced || t->AnnouncedEpoch != Epoch;
        byte* name = s_small + 512;
        int nameLength = 0;
        if (!t->NameKnown)
        {
            if (ThreadRegistry.TryName(t, name, 256, out nameLength)) { t->NameKnown = true; needed = true; }
            else if (++t->NameTries >= 64) t->NameKnown = true; // stays nameless
        }
        else if (t->AnnouncedEpoch != Epoch)
        {
            ThreadRegistry.TryName(t, name, 256, out nameLength);
        }
        if (!needed) return;
        var b = new RecordBuilder(s_small, 512, RecordKind.Thread);
        b.U64((ulong)t->NativeTid);
        b.Utf8(name, nameLength);
        if (Ring.TryWrite(s_small, b.Finish(), ticks))
        {
            s_announced = t;
            t->AnnouncedEpoch = Epoch;
        }
    }

    public static void ForgetAnnouncements() => s_announced = null;
}
