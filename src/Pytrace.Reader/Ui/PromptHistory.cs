namespace Pytrace.Reader.Ui;

/// <summary>
/// The filters and searches typed at the prompts, kept from one reader session to the next in the XDG state folder
/// (`$XDG_STATE_HOME/pytrace/history`, else `~/.local/state/pytrace/history`): private (0600, in a 0700 folder,
/// since filters name argument values), the newest <see cref="Kept"/> of each, one per line.
/// </summary>
public sealed class PromptHistory
{
    public const int Kept = 500;
    private const string FilterMark = "& ", SearchMark = "/ ";
    private readonly string? _path;

    public List<string> Filters { get; } = [];
    public List<string> Searches { get; } = [];

    /// <summary>A history that lives only as long as the reader (tests, or no home folder).</summary>
    public PromptHistory() { }

    private PromptHistory(string path) => _path = path;

    public static string? DefaultPath()
    {
        string? state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state) || !Path.IsPathRooted(state))
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (string.IsNullOrEmpty(home)) return null;
            state = Path.Combine(home, ".local", "state");
        }
        return Path.Combine(state, "pytrace", "history");
    }

    /// <summary>The history at PATH; a missing or unreadable file is an empty history, never an error.</summary>
    public static PromptHistory Load(string? path)
    {
        if (path is null) return new PromptHistory();
        var history = new PromptHistory(path);
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith(FilterMark, StringComparison.Ordinal)) history.Filters.Add(line[FilterMark.Length..]);
                else if (line.StartsWith(SearchMark, StringComparison.Ordinal)) history.Searches.Add(line[SearchMark.Length..]);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return history;
    }

    /// <summary>Writes the newest entries back; the reader must close even when this cannot be done.</summary>
    public void Save()
    {
        if (_path is null || OperatingSystem.IsWindows()) return;
        try
        {
            string folder = Path.GetDirectoryName(_path)!;
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string temporary = _path + ".new";
            using (var file = new FileStream(temporary, new FileStreamOptions
                   {
                       Mode = FileMode.Create, Access = FileAccess.Write,
                       UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                   }))
            using (var writer = new StreamWriter(file))
            {
                foreach (var filter in Newest(Filters)) writer.WriteLine(FilterMark + filter);
                foreach (var search in Newest(Searches)) writer.WriteLine(SearchMark + search);
            }
            File.Move(temporary, _path, overwrite: true); // another reader closing at the same time never leaves half a file
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static IEnumerable<string> Newest(List<string> entries) =>
        entries.Skip(Math.Max(0, entries.Count - Kept)).Where(e => !e.Contains('\n'));
}
