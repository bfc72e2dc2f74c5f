using System.Security.Cryptography;
using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>
/// The run's ring folder under attack while it records: another user cannot get in at all; what the user's own
/// processes might leave there — a file named like a ring, a symbolic link, a corrupt ring — adds no call, changes
/// no file it points at, and does not keep the run from ending.
/// </summary>
public class RingAttackTests
{
    [Fact]
    public void Another_user_cannot_reach_the_rings_and_what_is_planted_there_adds_nothing()
    {
        Assert.SkipWhen(Environment.UserName != "root", "acting as another user needs root");
        using var run = new TracedRun("3.12");
        var victim = run.Write("victim.py", """
            import os, sys
            def step(i):
                return i
            print(os.environ["PYTRACE_RING_DIR"], os.environ["PYTRACE_SESSION"], flush=True)
            sys.stdin.readline()  # the test plants its files meanwhile
            for i in range(1000):
                step(i)
            """);
        var pytrace = ProcessRun.Start(Repo.Pytrace, ["--python", run.Python, "--db", run.Db, victim], run.Folder);
        var line = pytrace.StandardOutput.ReadLine()!.Split(' ');
        string folder = line[0], session = line[1];

        var asNobody = ProcessRun.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c",
            $"ls '{folder}' >/dev/null 2>&1 && exit 3; touch '{folder}/pytrace-{session}-1' 2>/dev/null && exit 4; exit 0"]);
        Assert.Equal(0, asNobody.ExitCode); // 3: it could list the folder, 4: plant a ring in it

        byte[] passwd = SHA256.HashData(File.ReadAllBytes("/etc/passwd"));
        File.WriteAllText(Path.Combine(folder, $"pytrace-{session}-99991"), "x");
        File.CreateSymbolicLink(Path.Combine(folder, $"pytrace-{session}-99992"), "/etc/passwd");
        SyntheticRing.PlantCorrupt(folder, session, 99993);
        pytrace.StandardInput.WriteLine();
        pytrace.StandardInput.Close();
        var result = ProcessRun.Finish(pytrace, TimeSpan.FromSeconds(60));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("the ring of process 99993 is corrupt", result.Stderr);
        Assert.Equal(1000, run.Calls().Count(c => c.Func == "step"));
        Assert.Equal(1, run.Scalar<long>("SELECT count(DISTINCT pid) FROM call_view"));
        Assert.Equal(passwd, SHA256.HashData(File.ReadAllBytes("/etc/passwd")));
        Assert.False(Directory.Exists(folder), "the run's ring folder outlived it");
    }
}
