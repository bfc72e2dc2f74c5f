namespace Pytrace.Integration.Tests.Support;

/// <summary>A real, small file system (tmpfs) mounted for one test, to run out of space on; needs root.</summary>
public sealed class SmallTmpfs : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("pytrace-small-").FullName;

    public SmallTmpfs(string size)
    {
        Assert.SkipWhen(Environment.UserName != "root", "mounting a small tmpfs needs root");
        Assert.Equal(0, ProcessRun.Run("mount", ["-t", "tmpfs", "-o", "size=" + size, "tmpfs", Folder]).ExitCode);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        ProcessRun.Run("umount", ["-l", Folder]);
    }
}
