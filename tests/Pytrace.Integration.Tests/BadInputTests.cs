using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>Bad input: one clear line on stderr, exit code 2, no database left behind.</summary>
public class BadInputTests
{
    private static ProcessResult Pytrace(string folder, params string[] args) => ProcessRun.Run(Repo.Pytrace, args, folder);

    private static void AssertOneLineError(ProcessResult result, string expected, string folder)
    {
        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("pytrace: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.False(File.Exists(Path.Combine(folder, "traces.sqlite")), "a failed start must not leave a database");
    }

    [Fact]
    public void Missing_script()
    {
        var folder = Directory.CreateTempSubdirectory("pytrace-bad-").FullName;
        AssertOneLineError(Pytrace(folder, "no_such_script.py"), "cannot find the script 'no_such_script.py'", folder);
    }

    [Fact]
    public void Script_whose_name_is_not_utf8()
    {
        var folder = Directory.CreateTempSubdirectory("pytrace-bad-").FullName;
        // Only a shell passes the raw byte: .NET strings cannot hold it.
        var result = ProcessRun.Run("bash", ["-c", $"printf 'print(1)\\n' > $'\\xff.py' && exec '{Repo.Pytrace}' $'\\xff.py'"], folder);
        AssertOneLineError(result, "cannot run the script '?.py': its name is not valid UTF-8", folder);
    }

    [Fact]
    public void Ring_folder_that_does_not_exist()
    {
        var folder = Directory.CreateTempSubdirectory("pytrace-bad-").FullName;
        File.WriteAllText(Path.Combine(folder, "x.py"), "print(1)\n");
        var result = ProcessRun.Run(Repo.Pytrace, ["x.py"], folder, new Dictionary<string, string> { ["PYTRACE_RING_DIR"] = "/no/such/folder" });
        AssertOneLineError(result, "the ring folder '/no/such/folder' does not exist", folder);
    }

    [Theory]
    [InlineData("notes.txt", false)]
    [InlineData("notes.txt", true)]
    [InlineData("app.db", false)]
    [InlineData("app.db", true)]
    public void A_file_that_is_not_a_trace_is_never_replaced_nor_appended_to(string name, bool append)
    {
        var folder = Directory.CreateTempSubdirectory("pytrace-bad-").FullName;
        File.WriteAllText(Path.Combine(folder, "x.py"), "print(1)\n");
        string path = Path.Combine(folder, name);
        if (name.EndsWith(".db"))
        {
            // Another application's SQLite database, with a meta table of its own.
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE meta(key TEXT, value TEXT); INSERT INTO meta VALUES('schema_version', '7');";
            command.ExecuteNonQuery();
        }
        else
        {
            File.WriteAllText(path, "my notes\n");
        }
        byte[] before = File.ReadAllBytes(path);
        string[] args = append ? ["--append", "--db", name, "x.py"] : ["--db", name, "x.py"];
        AssertOneLineError(Pytrace(folder, args), $"'{name}' exists and is not a pytrace database", folder);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([name, "x.py"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
    }

    [Theory]
    [InlineData("--db=", "--db needs a value")]
    [InlineData("--append=yes", "--append takes no value, not 'yes'")]
    [InlineData("--modules=/no/such/folder", "--modules wants existing folders, not '/no/such/folder'")]
    [InlineData("--max-traces=-1", "--max-traces wants a whole number of calls, not '-1'")]
    [InlineData("--dbb=x", "unknown option --dbb: did you mean --db?")]
    [InlineData("--buffer-size=17179869185G", "--buffer-size wants a size from 64K to 16G")]
    public void Option_values_that_cannot_be_meant(string option, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("pytrace-bad-").FullName;
        File.WriteAllText(Path.Combine(folder, "x.py"), "print(1)\n");
        AssertOneLineError(Pytrace(folder, option, "x.py"), expected, folder);
    }

    [Fact]
    public void Appending_to_a_trace_of_another_schema_version_says_so_and_leaves_it_untouched()
    {
        var folder = Directory.CreateTempSubdirectory("pytrace-bad-").FullName;
        File.WriteAllText(Path.Combine(folder, "x.py"), "print(1)\n");
        string path = Path.Combine(folder, "old.sqlite");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES('schema_version', '1');
                CREATE TABLE runs(id INTEGER PRIMARY KEY); CREATE TABLE calls(id INTEGER PRIMARY KEY); CREATE TABLE functions(id INTEGER PRIMARY KEY);
                """;
            command.ExecuteNonQuery();
        }
        byte[] before = File.ReadAllBytes(path);
        var result = Pytrace(folder, "--append", "--db", "old.sqlite", "x.py");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("the database has schema version 1, this pytrace writes", result.Stderr);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["old.sqlite", "x.py"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_file_named_like_a_subcommand_does_not_run_in_its_place()
    {
        var folder = Directory.CreateTempSubdirectory("pytrace-bad-").FullName;
        File.WriteAllText(Path.Combine(folder, "query"), "open('ran', 'w').write('yes')\n");
        var result = Pytrace(folder, "query", "func == 'main'");
        Assert.Equal(2, result.ExitCode); // the query subcommand, with no database here
        Assert.False(File.Exists(Path.Combine(folder, "ran")));
        Assert.False(File.Exists(Path.Combine(folder, "traces.sqlite")));
    }

    [Fact]
    public void A_misspelt_subcommand_is_suggested_instead_of_run()
    {
        var folder = Directory.CreateTempSubdirectory("pytrace-bad-").FullName;
        AssertOneLineError(Pytrace(folder, "qurey", "func == 'main'"), "cannot find the script 'qurey': did you mean `pytrace query`?", folder);
    }

    [Theory]
    [InlineData("--help", "pytrace [command] [options]")]
    [InlineData("query --help", "pytrace query [<FILTER>] [options]")]
    [InlineData("export -h", "pytrace export [options]")]
    [InlineData("read --help", "pytrace read [<DB>] [options]")]
    [InlineData("pythonpath --help", "pytrace pythonpath [options]")]
    [InlineData("stats --help", "pytrace stats [<FILTER>] [options]")]
    [InlineData("diff -h", "pytrace diff <A> [<B>] [options]")]
    public void Every_command_has_help_with_its_options_and_examples(string args, string usage)
    {
        var folder = Directory.CreateTempSubdirectory("pytrace-help-").FullName;
        var result = Pytrace(folder, args.Split(' '));
        Assert.Equal((0, ""), (result.ExitCode, result.Stderr));
        Assert.Contains("Usage:\n  " + usage + "\n", result.Stdout);
        Assert.Contains("Options:\n", result.Stdout);
        Assert.Matches("Examples:\n  .*pytrace", result.Stdout);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void The_program_s_own_arguments_are_never_taken_for_pytrace_s()
    {
        var folder = Directory.CreateTempSubdirectory("pytrace-args-").FullName;
        File.WriteAllText(Path.Combine(folder, "echo.py"), "import sys\nprint(sys.argv[1:])\n");
        var result = Pytrace(folder, "--db", "t.sqlite", "echo.py", "--db", "x", "--help", "-m", "query");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("['--db', 'x', '--help', '-m', 'query']\n", result.Stdout);
    }

    [Fact]
    public void Unknown_option()
    {
        var folder = Directory.CreateTempSubdirectory("pytrace-bad-").FullName;
        AssertOneLineError(Pytrace(folder, "--frobnicate", "x.py"), "unknown option --frobnicate", folder);
    }

    [Fact]
    public void Bad_option_value()
    {
        var folder = Directory.CreateTempSubdirectory("pytrace-bad-").FullName;
        AssertOneLineError(Pytrace(folder, "--buffer-size", "lots", "x.py"), "--buffer-size", folder);
        AssertOneLineError(Pytrace(folder, "--repr", "fancy", "x.py"), "--repr is 'safe' or 'full'", folder);
    }

    [Fact]
    public void Interpreter_that_is_not_python()
    {
        var folder = Directory.CreateTempSubdirectory("pytrace-bad-").FullName;
        File.WriteAllText(Path.Combine(folder, "a.py"), "print(1)\n");
        AssertOneLineError(Pytrace(folder, "--python", "/bin/echo", "a.py"), "does not look like Python", folder);
        AssertOneLineError(Pytrace(folder, "--python", "/no/such/python", "a.py"), "cannot find the Python interpreter", folder);
    }

    [Theory]
    [InlineData("2.7")]
    [InlineData("3.7")]
    public void Interpreter_older_than_3_8(string version)
    {
        string python = $"/root/.pyenv/versions/{version}";
        var match = Directory.Exists("/root/.pyenv/versions")
            ? Directory.GetDirectories("/root/.pyenv/versions", version + ".*").Select(d => Path.Combine(d, "bin", "python")).FirstOrDefault(File.Exists)
            : null;
        if (match is null) Assert.Skip($"Python {version} not found under {python}.*");
        var folder = Directory.CreateTempSubdirectory("pytrace-bad-").FullName;
        File.WriteAllText(Path.Combine(folder, "a.py"), "print(1)\n");
        AssertOneLineError(Pytrace(folder, "--python", match, "a.py"), "pytrace needs CPython 3.8 or newer", folder);
    }

    [Fact]
    public void Database_that_cannot_be_written()
    {
        var folder = Directory.CreateTempSubdirectory("pytrace-bad-").FullName;
        File.WriteAllText(Path.Combine(folder, "a.py"), "print(1)\n");
        AssertOneLineError(Pytrace(folder, "--db", "/no/such/folder/t.sqlite", "a.py"), "cannot write the database", folder);
    }
}
