using Pytrace.Reader.Data;
using Pytrace.Storage;
using Pytrace.Reader.Text;

namespace Pytrace.Reader.Commands;

/// <summary>Turns the failures a user can cause into one line on stderr and exit code 2: never a stack trace.</summary>
public static class CommandGuard
{
    public static int Run(string command, TextWriter stderr, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is UsageException or TraceDbException)
        {
            Error(stderr, command, e.Message);
        }
        catch (TraceDatabaseException e)
        {
            Error(stderr, command, $"cannot read the database: {e.Message.Split('\n')[0]}");
        }
        catch (IOException e) when (StandardOutput.IsBrokenPipe(e))
        {
            // `pytrace query ... | head`: the consumer has what it wanted.
            return 0;
        }
        catch (IOException e)
        {
            Error(stderr, command, e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            Error(stderr, command, e.Message);
        }
        return 2;
    }

    /// <summary>
    /// "pytrace COMMAND: MESSAGE" as one line: a message may quote a path, a filter or a recorded value, whose
    /// newlines and escape sequences would otherwise break the line or reach the terminal.
    /// </summary>
    public static void Error(TextWriter stderr, string command, string message) =>
        stderr.WriteLine($"pytrace {command}: {ControlChars.Escape(message)}");
}
