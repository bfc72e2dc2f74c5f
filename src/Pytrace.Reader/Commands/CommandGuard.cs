using Microsoft.Data.Sqlite;
using Pytrace.Reader.Data;

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
            stderr.WriteLine($"pytrace {command}: {e.Message}");
        }
        catch (SqliteException e)
        {
            stderr.WriteLine($"pytrace {command}: cannot read the database: {e.Message.Split('\n')[0]}");
        }
        catch (IOException e) when (StandardOutput.IsBrokenPipe(e))
        {
            // `pytrace query ... | head`: the consumer has what it wanted.
            return 0;
        }
        catch (IOException e)
        {
            stderr.WriteLine($"pytrace {command}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            stderr.WriteLine($"pytrace {command}: {e.Message}");
        }
        return 2;
    }
}
