namespace Pytrace.Records;

/// <summary>Kinds of ring records; docs/record-format.md gives each payload.</summary>
public enum RecordKind : byte
{
    Pad = 0,
    ProcessStart = 1,
    CodeDef = 2,
    TypeDef = 3,
    Thread = 4,
    Call = 5,
    Return = 6,
    Exception = 7,
    Yield = 8,
    Resume = 9,
    Drop = 10,
    Log = 11,
    ProcessEnd = 12,
    HookGap = 13,
    InternalError = 14,
    Notice = 15,
    /// <summary>The high 32 bits of the ticks of the Call, Resume and end records after it, which carry only the low 32.</summary>
    TimeBase = 16,
    /// <summary>A value kept in a numbered slot: records after it name it by the slot instead of carrying its text.</summary>
    KeptValue = 17,
}

/// <summary>
/// Values the generator keeps in numbered slots (the texts of containers passed again and again): a KeptValue record
/// gives a slot its value, and a value in a later record that is the type id <see cref="Reference"/> then a u16 slot
/// stands for it, six bytes instead of the whole text.
/// </summary>
public static class KeptValues
{
    /// <summary>A graph's adjacency, or a table's rows, cycle through hundreds of containers: 64 slots kept none of them.</summary>
    public const int SlotBits = 10, Slots = 1 << SlotBits;
    public const uint Reference = uint.MaxValue;
}

/// <summary>
/// An object written as <c>object.__repr__</c> writes it, <c>&lt;module.QualName object at 0x…&gt;</c>: a value that is
/// the type id <see cref="Reference"/> then its type's id (u32) and its address (u64) stands for that text, which the
/// dumper makes from the TypeDef's full name. Sixteen bytes and no formatting where the text took some sixty.
/// </summary>
public static class OpaqueValues
{
    public const uint Reference = uint.MaxValue - 1;
    public const int Length = 16;
}

[Flags]
public enum CodeFlags : ushort
{
    None = 0,
    Generator = 1,
    Coroutine = 2,
    AsyncGenerator = 4,
    VarArgs = 8,
    VarKeywords = 16,
    /// <summary>A class statement's body, run once when the class is made.</summary>
    ClassBody = 32,
    /// <summary>A function of C (a built-in or an extension's), recorded with --c-calls: no arguments, no return value.</summary>
    Native = 64,
}
