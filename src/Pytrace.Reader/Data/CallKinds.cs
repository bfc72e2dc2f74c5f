using Schema = Pytrace.Storage.Schema;

namespace Pytrace.Reader.Data;

/// <summary>The names of <c>calls.kind</c> values, shared by the filter's `kind` field and the export.</summary>
public static class CallKinds
{
    public static readonly IReadOnlyList<string> Names = ["call", "resume", "log", "class", "c"];

    public static string Name(int kind) => kind switch
    {
        Schema.CallKind.Resume => "resume", Schema.CallKind.Log => "log", Schema.CallKind.Class => "class",
        Schema.CallKind.CFunction => "c", _ => "call",
    };

    public static int Value(string name) => name switch
    {
        "call" => Schema.CallKind.Call,
        "resume" => Schema.CallKind.Resume,
        "log" => Schema.CallKind.Log,
        "class" => Schema.CallKind.Class,
        "c" => Schema.CallKind.CFunction,
        _ => throw new ArgumentException($"no call kind '{name}'", nameof(name)),
    };
}
