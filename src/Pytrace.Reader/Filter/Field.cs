using Pytrace.Reader.Data;

namespace Pytrace.Reader.Filter;

/// <summary>Value: a recorded value (an argument by name, the return value), compared as text or, with a number, as a number.</summary>
public enum FieldType { Text, Number, Time, Value }

/// <summary>
/// The fields a filter may name. ArgLike fields describe one argument and group under `and`. A field with
/// CHOICES takes only those values, compared whole (no wildcards, no regular expressions).
/// </summary>
public sealed record Field(string Name, FieldType Type, bool ArgLike = false, IReadOnlyList<string>? Choices = null)
{
    public static readonly IReadOnlyList<Field> All =
    [
        new("time", FieldType.Time), new("tid", FieldType.Number), new("pid", FieldType.Number), new("thread", FieldType.Text),
        new("module", FieldType.Text), new("func", FieldType.Text), new("file", FieldType.Text),
        new("line", FieldType.Number), new("depth", FieldType.Number), new("duration", FieldType.Number),
        new("kind", FieldType.Text, Choices: CallKinds.Names),
        new("arg", FieldType.Text, ArgLike: true), new("value", FieldType.Text, ArgLike: true),
        new("type", FieldType.Text, ArgLike: true), new("return", FieldType.Value),
    ];

    /// <summary>`args.NAME`: the argument of that name, one field per name (not listed in <see cref="All"/>).</summary>
    public static readonly Field Args = new("args", FieldType.Value);

    public const string ArgsPrefix = "args.";

    public static readonly string Names = string.Join(", ", All.Select(f => f.Name)) + ", " + ArgsPrefix + "NAME";

    public static Field? Find(string name) =>
        name.StartsWith(ArgsPrefix, StringComparison.Ordinal) && name.Length > ArgsPrefix.Length && !name.EndsWith('.')
            ? Args
            : All.FirstOrDefault(f => f.Name == name);

    public IReadOnlyList<string> Operators => Type switch
    {
        FieldType.Text => Choices is null ? ["==", "!=", "~=", "matches"] : ["==", "!="],
        FieldType.Value => ["==", "!=", "~=", "matches", "<", "<=", ">", ">="],
        _ => ["==", "!=", "<", "<=", ">", ">="],
    };
}
