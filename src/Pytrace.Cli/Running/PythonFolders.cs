namespace Pytrace.Cli.Running;

/// <summary>
/// Where the build puts pytrace's Python side, next to this command: the `pytrace` package (the API and the
/// generator) that users may put on their path, and the bootstrap that a traced run puts first on PYTHONPATH.
/// </summary>
internal static class PythonFolders
{
    /// <summary>Holds only the `pytrace` package: `PYTHONPATH=$(pytrace pythonpath) python app.py`.</summary>
    public static string Module => Path.Combine(AppContext.BaseDirectory, "python");

    /// <summary>Holds the sitecustomize.py that starts recording in every Python process of a traced run.</summary>
    public static string Boot => Path.Combine(AppContext.BaseDirectory, "python-boot");
}
