namespace Pytrace.Reader.Text;

/// <summary>What a piece of a line means; the terminal maps it to colour (or nothing).</summary>
public enum Style { Plain, Dim, Name, Result, Error, Drop, Match, Selected, Status, Prompt }

/// <summary>A run of text in one style.</summary>
public readonly record struct Span(string Text, Style Style);
