namespace Pytrace.Reader.Commands;

/// <summary>Bad command-line input; the message is the one line printed before exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
