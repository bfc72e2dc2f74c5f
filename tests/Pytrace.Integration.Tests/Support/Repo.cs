namespace Pytrace.Integration.Tests.Support;

/// <summary>Where the built `pytrace` is: the NativeAOT build users get, as ./pytrace (and test.sh) publish it.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Pytrace { get; } = Built(Path.Combine(Root, "artifacts", "pytrace", "pytrace"));

    /// <summary>The `pytrace` package beside it.</summary>
    public static string Package { get; } = Path.Combine(Root, "artifacts", "pytrace", "python", "pytrace");

    /// <summary>What `pytrace pythonpath` prints: the one folder a plain `python` needs to import the API.</summary>
    public static string PythonPath { get; } = Path.Combine(Package, "_boot");

    private static string Built(string path) => File.Exists(path) ? path
        : throw new InvalidOperationException($"{path} is missing: build it with ./pytrace --version (or run ./test.sh)");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "pytrace.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (pytrace.slnx)");
    }
}
