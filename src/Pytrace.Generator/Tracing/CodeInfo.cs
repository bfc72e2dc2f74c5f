namespace Pytrace.Generator.Tracing;

/// <summary>What the hooks need about one code object, learned the first time it runs.</summary>
internal unsafe struct CodeInfo
{
    public uint Id;
    /// <summary>The code object (a strong reference).</summary>
    public nint Code;
    /// <summary>Ring generation that has this code's definition record (see <see cref="Tracer.Epoch"/>).</summary>
    public uint DefinedEpoch;
    public CodeMode Mode;
    /// <summary>The body of the __main__ module: recording of a launched program starts here.</summary>
    public bool IsMainModule;
    public ushort Flags;           // Records.CodeFlags
    /// <summary>Named __x__: run by the interpreter's C code for an operation (iteration, attribute lookup), not called by name.</summary>
    public bool SpecialMethod;
    public ushort ArgCount;        // slots to read: positional, keyword-only, *args, **kwargs
    public int NLocals;            // <=3.10: where cell slots start
    /// <summary>Slot of the i-th argument in declaration order, or null when they are the same (no *args before keyword-only).</summary>
    public short* SlotOrder;
    /// <summary>Per slot: -1, or the index of its cell (3.8-3.10: slot NLocals + index; 3.11+: the slot itself).</summary>
    public short* CellIndex;
    /// <summary>co_varnames (a strong reference), for reading arguments by name when frame offsets are unusable.</summary>
    public nint VarNames;
    /// <summary>The definition record, kept to re-emit it into a forked child's fresh ring.</summary>
    public byte* Definition;
    public int DefinitionLength;
}

internal enum CodeMode : byte
{
    Trace = 0,
    /// <summary>Not recorded, and does not count for depth (module filters, pytrace's own and runpy's frames).</summary>
    Skip = 1,
    /// <summary>@notrace: neither it nor anything it calls is recorded.</summary>
    SkipTree = 2,
}
