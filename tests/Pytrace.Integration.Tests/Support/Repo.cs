namespace Pytrace.Integration.Tests.Support;

/// <summary>Where the built `pytrace` is: the CLI's output for the configuration these tests were built in.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string Pytrace { get; } = Path.Combine(Root, "src", "Pytrace.Cli", "bin", Configuration, "net10.0", "pytrace");

    /// <summary>The folder holding the `pytrace` package, for programs that use the API under a plain `python`.</summary>
    public static string ModuleFolder { get; } = Path.Combine(Path.GetDirectoryName(Pytrace)!, "python");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "pytrace.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (pytrace.slnx)");
    }
}
