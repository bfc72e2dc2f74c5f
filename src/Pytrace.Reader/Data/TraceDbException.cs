namespace Pytrace.Reader.Data;

/// <summary>A database the reader cannot use; the message is one line meant for the user.</summary>
public sealed class TraceDbException(string message) : Exception(message);
