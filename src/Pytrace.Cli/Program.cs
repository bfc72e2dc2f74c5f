namespace Pytrace.Cli;

public static class Program
{
    public static int Main(string[] args) => CommandLine.Dispatch(args, Console.Out, Console.Error);
}
