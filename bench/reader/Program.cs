using System.Globalization;
using Pytrace.Reader.Bench;

// dotnet run -c Release --project bench/reader -- [--calls N] [--db PATH] [--regenerate]
var calls = 10_000_000L;
var path = Path.Combine(Path.GetTempPath(), "pytrace-reader-bench.sqlite");
var regenerate = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--calls": calls = long.Parse(args[++i].Replace("_", ""), CultureInfo.InvariantCulture); break;
        case "--db": path = args[++i]; break;
        case "--regenerate": regenerate = true; break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]} (options: --calls N, --db PATH, --regenerate)");
            return 2;
    }
}
if (regenerate || !File.Exists(path) || !HasCurrentSchema(path))
{
    Console.Error.WriteLine($"generating {calls:N0} calls into {path}");
    new Generator(path, calls).Run();
}
Measurements.Run(path);
LaunchTime(path);
return 0;

// A database of an older schema is made again: the reader refuses it.
static bool HasCurrentSchema(string path)
{
    using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
    connection.Open();
    using var command = connection.CreateCommand();
    command.CommandText = "SELECT value FROM meta WHERE key = 'schema_version'";
    return command.ExecuteScalar()?.ToString() == Pytrace.Storage.Schema.Version.ToString(CultureInfo.InvariantCulture);
}

// What a user waits for from the shell: the NativeAOT command, started fresh on a pty, to its first screen.
static void LaunchTime(string db)
{
    var root = AppContext.BaseDirectory;
    while (!File.Exists(Path.Combine(root, "pytrace.slnx"))) root = Path.GetDirectoryName(root.TrimEnd('/'))!;
    var command = Path.Combine(root, "artifacts", "pytrace", "pytrace");
    if (!File.Exists(command))
    {
        Console.WriteLine($"launch to first screen: skipped, {command} is missing (./pytrace --version builds it)");
        return;
    }
    using var launch = System.Diagnostics.Process.Start("python3", [Path.Combine(root, "bench", "reader", "launch.py"), command, db]);
    launch.WaitForExit();
}
