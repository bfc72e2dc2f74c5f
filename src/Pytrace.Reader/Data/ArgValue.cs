namespace Pytrace.Reader.Data;

/// <summary>One argument of a call, in declaration order.</summary>
public sealed record ArgValue(string Name, string Type, string Value);
