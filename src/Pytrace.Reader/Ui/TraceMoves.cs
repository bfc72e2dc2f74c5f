using Pytrace.Reader.Data;
using Pytrace.Reader.Tree;

namespace Pytrace.Reader.Ui;

/// <summary>The trace-navigation keys: each moves the viewport's cursor or returns why it cannot.</summary>
public sealed class TraceMoves(Viewport viewport, TraceNavigator navigator)
{
    private CallRow? Current => viewport.Current?.Call;
    private long From => viewport.Current?.Anchor ?? long.MinValue;

    /// <summary>`%`: from a call with children to its return line, and back.</summary>
    public string? MatchReturn(ViewScope scope)
    {
        var row = viewport.Current;
        if (row?.Call is not { } call)
            return null;
        if (row.Kind == RowKind.Exit)
            viewport.JumpTo(call.Id, r => r.Kind != RowKind.Exit);
        else if (row.Kind == RowKind.Enter)
            viewport.JumpTo(navigator.LastDescendant(call), r => r.Kind == RowKind.Exit && r.Call!.Id == call.Id);
        else
            return scope.IsTree ? "this call has no children: its return is on its line" : "% needs the tree: clear the filter (& then Enter)";
        return null;
    }

    public string? Parent()
    {
        if (Current is not { } call)
            return null;
        if (call.Parent is not { } parent)
            return "top-level call: no parent";
        viewport.JumpTo(parent);
        return null;
    }

    public string? Sibling(ViewScope scope, bool backwards) =>
        Current is not { } call ? null
        : Jump(navigator.Sibling(scope, call, backwards), backwards ? "no previous sibling" : "no next sibling");

    public string? Exception(ViewScope scope, bool backwards) =>
        Jump(navigator.Exception(scope, From, backwards), backwards ? "no exception before" : "no exception after");

    public string? Search(ViewScope scope, string pattern, bool backwards) =>
        Jump(navigator.Search(scope, From, backwards, pattern), $"pattern not found: {pattern}");

    private string? Jump(long? id, string otherwise)
    {
        if (id is null)
            return otherwise;
        viewport.JumpTo(id.Value);
        return null;
    }
}
