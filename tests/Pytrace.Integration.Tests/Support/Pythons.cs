namespace Pytrace.Integration.Tests.Support;

/// <summary>The CPython interpreters the suite runs against; a missing one skips its tests with the reason, or fails them under CI=true.</summary>
public static class Pythons
{
    public static readonly string[] Minors = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"];

    public static TheoryData<string> All => new(Minors);

    /// <summary>Path of CPython 3.minor: $PYTRACE_TEST_PYTHON_3_X, else a pyenv build, else pythonX.Y on PATH.</summary>
    public static string? Find(string minor)
    {
        string? env = Environment.GetEnvironmentVariable("PYTRACE_TEST_PYTHON_" + minor.Replace('.', '_'));
        if (!string.IsNullOrEmpty(env) && File.Exists(env)) return env;
        string pyenv = Path.Combine(Environment.GetEnvironmentVariable("PYENV_ROOT") ?? "/root/.pyenv", "versions");
        if (Directory.Exists(pyenv))
        {
            var match = Directory.GetDirectories(pyenv, minor + ".*")
                .Select(d => Path.Combine(d, "bin", "python"))
                .Where(File.Exists)
                .OrderByDescending(p => p, StringComparer.Ordinal)
                .FirstOrDefault();
            if (match is not null) return match;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "python" + minor);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static string Require(string minor)
    {
        string? path = Find(minor);
        string missing = $"CPython {minor} not found (pyenv, PATH or $PYTRACE_TEST_PYTHON_{minor.Replace('.', '_')})";
        // On CI a missing interpreter is a broken machine, not a reason to pass with fewer versions tested.
        if (path is null && Environment.GetEnvironmentVariable("CI") is "true" or "1") Assert.Fail(missing);
        if (path is null) Assert.Skip(missing);
        return path;
    }
}
