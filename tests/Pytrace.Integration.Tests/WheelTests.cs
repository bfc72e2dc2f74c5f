using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>
/// What a pip user gets: packaging/build-wheel.sh's wheel installed with `pip install --no-index` into a fresh venv
/// of each CPython, then used with .NET hidden from the machine (a private mount namespace covers its folders).
/// </summary>
public sealed class WheelTests : IDisposable
{
    private static readonly Lazy<string> Wheel = new(BuildWheel);

    private readonly string _folder = Directory.CreateTempSubdirectory("pytrace-wheel-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string BuildWheel()
    {
        var dist = Directory.CreateTempSubdirectory("pytrace-dist-").FullName;
        var built = ProcessRun.Run(Path.Combine(Repo.Root, "packaging", "build-wheel.sh"), [dist], timeout: TimeSpan.FromMinutes(10));
        Assert.True(built.ExitCode == 0, built.Stderr);
        return built.Stdout.Trim();
    }

    [Fact]
    public void The_wheel_is_named_by_its_version_and_honest_tags_and_records_every_file()
    {
        var name = Path.GetFileName(Wheel.Value);
        var version = ProcessRun.Run(Repo.Pytrace, ["--version"]).Stdout.Trim().Split(' ')[1];
        Assert.Equal($"pytrace-{version}-cp38.cp39.cp310.cp311.cp312.cp313-none-manylinux_2_34_x86_64.whl", name);
        using var archive = System.IO.Compression.ZipFile.OpenRead(Wheel.Value);
        var files = archive.Entries.Select(e => e.FullName).ToList();
        var record = new StreamReader(archive.GetEntry($"pytrace-{version}.dist-info/RECORD")!.Open()).ReadToEnd();
        Assert.All(files, f => Assert.Contains(f + ",", record));
        Assert.Contains($"pytrace-{version}.data/scripts/pytrace", files);
        Assert.Contains("pytrace/_boot/sitecustomize.py", files);
        Assert.Contains("pytrace/py.typed", files);
        Assert.DoesNotContain(files, f => f == "sitecustomize.py" || f.Contains("__pycache__"));
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Pip_installs_it_and_it_records_reads_and_runs_as_a_module_without_dotnet(string minor)
    {
        var python = Pythons.Require(minor);
        var venv = Path.Combine(_folder, "venv");
        Must(ProcessRun.Run(python, ["-m", "venv", venv], timeout: TimeSpan.FromMinutes(3)));
        Must(ProcessRun.Run(Path.Combine(venv, "bin", "python"), ["-m", "pip", "install", "-q", "--no-index", "--no-cache-dir", Wheel.Value],
            environment: new Dictionary<string, string> { ["PIP_DISABLE_PIP_VERSION_CHECK"] = "1" }, timeout: TimeSpan.FromMinutes(3)));
        var work = Path.Combine(_folder, "work");
        Directory.CreateDirectory(work);
        foreach (var file in new[] { "app.py", "shop.py" })
            File.Copy(Path.Combine(Repo.Root, "examples", file), Path.Combine(work, file));
        File.WriteAllText(Path.Combine(work, "api.py"), "import pytrace\ndef double(x):\n    return x * 2\nwith pytrace.trace('api.sqlite'):\n    double(21)\n");
        File.WriteAllText(Path.Combine(work, "paths.py"), "import os, sys\nprint(os.environ['PYTHONPATH'])\nprint(sys.version_info[:2])\n");
        // As an activated venv would: its bin first on PATH, so `pytrace app.py` runs the venv's python3.
        var script = """
            set -e
            for d in /usr/share/dotnet /usr/lib/dotnet "$HOME/.dotnet" "$(dirname "$(readlink -f "$(command -v dotnet)")" 2>/dev/null)"; do
              if [ -d "$d" ] && [ "$d" != / ] && [ "$d" != . ]; then mount -t tmpfs none "$d"; fi
            done
            if dotnet --info >/dev/null 2>&1; then echo "dotnet is still runnable"; exit 3; fi
            pytrace --db a.sqlite app.py --user ann >/dev/null
            pytrace query --db a.sqlite 'func == "checkout"'
            pytrace app.py --user ann >/dev/null
            echo "reader: $(pytrace | grep -c 'shop.checkout')"
            python -m pytrace --db m.sqlite paths.py
            python api.py
            pytrace query --db api.sqlite 'func == "double"'
            pytrace export --db api.sqlite --format jsonl
            """;
        var env = new Dictionary<string, string>
        {
            ["PATH"] = Path.Combine(venv, "bin") + ":/usr/local/bin:/usr/bin:/bin",
            ["VIRTUAL_ENV"] = venv,
        };
        var run = ProcessRun.Run("unshare", ["-m", "bash", "-c", script], work, env);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("checkout(cart=", run.Stdout);
        // `pytrace` alone is the reader; off a terminal it prints the rows.
        Assert.Matches(@"reader: [1-9]", run.Stdout);
        var sitePackages = Directory.GetDirectories(Path.Combine(venv, "lib"), "python3*").Single();
        // Only pytrace's own folder is added to the program's path, not the venv's site-packages that holds it.
        Assert.Contains(Path.Combine(sitePackages, "site-packages", "pytrace", "_boot") + "\n", run.Stdout);
        Assert.Contains($"({minor.Replace(".", ", ")})", run.Stdout);
        Assert.Contains("double(x=21)  = 42", run.Stdout);
        Assert.Contains("\"func\":\"double\"", run.Stdout);
    }

    private static void Must(ProcessResult result) => Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
}
