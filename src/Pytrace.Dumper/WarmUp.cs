using System.Reflection;
using System.Runtime.CompilerServices;
using Pytrace.Storage;

namespace Pytrace.Dumper;

/// <summary>
/// Compiles the per-call path before the program makes its first call: the JIT otherwise compiles it while the
/// first batch waits, which users see as time after their program has ended.
/// </summary>
internal static class WarmUp
{
    private const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    public static void DecodePath()
    {
        foreach (var name in new[] { "OnRecord", "Call", "End", "ToNs", "TypeId", "Resync" }) Prepare(typeof(ProcessStream), name);
        foreach (var name in new[] { "AddCall", "AddArg", "EndCall", "AddValue" }) Prepare(typeof(WriteBatch), name);
        Prepare(typeof(Interner), "Value");
        Prepare(typeof(ValueCache), "TryGet");
        Prepare(typeof(ValueCache), "Add");
        var feed = typeof(RecordBacklog).GetMethod(nameof(RecordBacklog.Feed), Any)!;
        RuntimeHelpers.PrepareMethod(feed.MethodHandle, [typeof(ProcessStream).TypeHandle]);
    }

    public static void WritePath()
    {
        Prepare(typeof(WriteBatch), "WriteTo");
        TraceWriter.PrepareWritePath();
    }

    public static void Prepare([System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.All)] Type type, string name)
    {
        foreach (var method in type.GetMethods(Any))
            if (method.Name == name && !method.IsGenericMethodDefinition) RuntimeHelpers.PrepareMethod(method.MethodHandle);
    }
}
