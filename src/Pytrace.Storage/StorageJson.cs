using System.Text.Json.Serialization;

namespace Pytrace.Storage;

/// <summary>Source-generated JSON for functions.params (trimming- and NativeAOT-safe).</summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class StorageJson : JsonSerializerContext;
