using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>A pytrace killed while it records (SIGKILL, the machine going down) leaves a run nobody will end.</summary>
public class InterruptedRunTests
{
    [Fact]
    public void The_next_run_ends_a_run_whose_pytrace_was_killed_and_keeps_its_calls()
    {
        using var run = new TracedRun("3.12");
        var slow = run.Write("slow.py", """
            import os, sys, time
            def step(i):
                return i
            for i in range(100):
                step(i)
            print(os.getpid(), flush=True)
            time.sleep(60)
            """);
        var pytrace = ProcessRun.Start(Repo.Pytrace, ["--python", run.Python, "--db", run.Db, slow], run.Folder);
        int program = int.Parse(pytrace.StandardOutput.ReadLine()!);
        Thread.Sleep(1000); // a few commits: the calls so far are in the file
        pytrace.Kill();
        pytrace.WaitForExit();
        System.Diagnostics.Process.GetProcessById(program).Kill();

        var quick = run.Write("quick.py", "def f():\n    return 1\nf()\n");
        var second = run.Trace(quick, "--append");
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(100, run.Scalar<long>("SELECT count(*) FROM call_view WHERE run = 1 AND name = 'step'"));
        Assert.Equal(0, run.Scalar<long>("SELECT count(*) FROM runs WHERE ended_ns IS NULL"));
        Assert.True(run.Scalar<long>("SELECT calls FROM runs WHERE id = 1") >= 100);
        Assert.True(run.Scalar<long>("SELECT ended_ns >= started_ns FROM runs WHERE id = 1") == 1);
    }
}
