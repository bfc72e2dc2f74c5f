namespace Pytrace.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Running.Installation.UseBundledSqlite(typeof(Storage.TraceWriter).Assembly);
        return CommandLine.Dispatch(args, Console.Out, Console.Error);
    }
}
