using System.Diagnostics;

namespace Pytrace.Cli.Running;

/// <summary>Finds the user's interpreter and checks it is CPython 3.8 or newer before anything is written.</summary>
internal static class PythonInterpreter
{
    public static string Choose(string? option) =>
        option ?? (Environment.GetEnvironmentVariable("PYTRACE_PYTHON") is { Length: > 0 } env ? env : "python3");

    /// <summary>Returns the version ("3.11.7") or an error line.</summary>
    public static string? Check(string python, out string version)
    {
        version = "";
        string? resolved = Resolve(python);
        if (resolved is null) return $"cannot find the Python interpreter '{python}'; pass --python PATH or set PYTRACE_PYTHON";
        var start = new ProcessStartInfo(resolved)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import sys, platform; print(platform.python_implementation(), '%d.%d.%d' % sys.version_info[:3])");
        string output;
        try
        {
            using var process = Process.Start(start)!;
            output = process.StandardOutput.ReadToEnd().Trim();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
        }
        catch (Exception e)
        {
            return $"cannot run '{python}': {e.Message}";
        }
        string[] parts = output.Split(' ');
        if (parts.Length != 2) return $"'{python}' does not look like Python (it printed '{output}')";
        version = parts[1];
        if (parts[0] != "CPython") return $"'{python}' is {parts[0]} {version}; pytrace needs CPython 3.8 or newer";
        var numbers = version.Split('.');
        if (numbers[0] != "3" || int.Parse(numbers[1]) < 8) return $"'{python}' is Python {version}; pytrace needs CPython 3.8 or newer";
        return null;
    }

    private static string? Resolve(string python)
    {
        if (python.Contains('/')) return File.Exists(python) ? Path.GetFullPath(python) : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, python);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
