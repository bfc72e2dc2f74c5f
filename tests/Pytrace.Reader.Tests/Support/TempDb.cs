namespace Pytrace.Reader.Tests.Support;

/// <summary>A database file in a fresh temporary folder, removed with it.</summary>
public sealed class TempDb : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("pytrace-reader-").FullName;
    public string Path => System.IO.Path.Combine(Folder, "traces.sqlite");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Folder, recursive: true);
    }
}
