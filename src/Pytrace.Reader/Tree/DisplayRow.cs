using Pytrace.Reader.Data;

namespace Pytrace.Reader.Tree;

public enum RowKind
{
    /// <summary>A call shown on one line with its result and duration (no children shown).</summary>
    Leaf,
    /// <summary>The entry of a call whose children follow; its return gets an <see cref="Exit"/> row.</summary>
    Enter,
    Exit,
    Drop,
}

/// <summary>
/// One screen row. ANCHOR is the call id of the group the row belongs to and SUB its order inside the group
/// (drops before the call, the call, then returns of the calls it closes). Paging moves whole groups.
/// </summary>
public sealed record DisplayRow(RowKind Kind, long Anchor, int Sub, CallRow? Call, IReadOnlyList<ArgValue> Args, DropRow? Drop = null);
