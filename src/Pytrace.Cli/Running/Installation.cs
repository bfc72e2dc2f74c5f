using System.Reflection;
using System.Runtime.InteropServices;

namespace Pytrace.Cli.Running;

/// <summary>
/// Where pytrace's Python side is, found from this command's own location: the `pytrace` package (the API, the
/// generator's <c>_native.so</c>, SQLite) and, inside it, the private bootstrap folder a traced run puts on PYTHONPATH.
/// A source build keeps the package in <c>python/</c> beside the command; a wheel installs the command into a
/// scheme's scripts folder and the package into that scheme's site-packages.
/// </summary>
internal static class Installation
{
    private static readonly Lazy<string?> Found = new(FindPackage);

    /// <summary>The `pytrace` package folder, or null when this command stands apart from one.</summary>
    public static string? Package => Found.Value;

    /// <summary>Holds the sitecustomize.py that makes `pytrace` importable and starts recording when a run asks.</summary>
    public static string? Boot => Package is { } p ? Path.Combine(p, "_boot") : null;

    public static string Version { get; } =
        typeof(Installation).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    /// <summary>What was looked at, for the one line that says pytrace is incomplete.</summary>
    public static string Searched => string.Join(", ", Candidates());

    private static IEnumerable<string> Candidates()
    {
        var here = AppContext.BaseDirectory;
        yield return Path.Combine(here, "python", "pytrace");
        var lib = Path.GetFullPath(Path.Combine(here, "..", "lib"));
        if (!Directory.Exists(lib)) yield break;
        foreach (var python in Directory.GetDirectories(lib, "python3*").Order(StringComparer.Ordinal))
            foreach (var packages in new[] { "site-packages", "dist-packages" })
                yield return Path.Combine(python, packages, "pytrace");
    }

    private static string? FindPackage() =>
        Candidates().FirstOrDefault(p => File.Exists(Path.Combine(p, "_native.so")) && File.Exists(Path.Combine(p, "_boot", "sitecustomize.py")));

    /// <summary>Loads SQLite from the package (where the build and the wheel put it) before the system's search path.</summary>
    public static void UseBundledSqlite(Assembly binding) =>
        NativeLibrary.SetDllImportResolver(binding, (name, _, _) =>
            Package is { } p && NativeLibrary.TryLoad(Path.Combine(p, $"lib{name}.so"), out var handle) ? handle : 0);
}
