using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Pytrace.Reader.Data;

namespace Pytrace.Reader.Export;

/// <summary>
/// speedscope's file format: one evented profile per thread (open and close events in time order, in ns from the
/// run's start) over frames shared by all, each with its file and line. Each thread's events wait in a temporary
/// file until the walk is over, so memory holds only open frames and the frame table.
/// </summary>
public sealed class SpeedscopeWriter : IStackSink, IDisposable
{
    private readonly TextWriter _output;
    private readonly long _originNs;
    private readonly string _name;
    private readonly Dictionary<(string, string, string, int), int> _frameIndex = [];
    private readonly List<(string Name, string File, int Line)> _frames = [];
    private readonly Dictionary<long, Profile> _profiles = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("pytrace-speedscope-").FullName;

    private sealed class Profile(string name, string path, long startNs)
    {
        public readonly string Name = name;
        public readonly string Path = path;
        public readonly StreamWriter Events = new(path, false, new UTF8Encoding(false), 1 << 16);
        public readonly long StartNs = startNs;
        public long EndNs = startNs;
        public bool First = true;
    }

    public SpeedscopeWriter(TextWriter output, long originNs, string name)
    {
        _output = output;
        _originNs = originNs;
        _name = name;
    }

    public void ThreadStarted(CallRow first)
    {
        var name = $"{first.ThreadName ?? "thread " + first.Tid} (pid {first.Pid}, tid {first.Tid})";
        _profiles[first.Thread] = new Profile(name, Path.Combine(_folder, $"{_profiles.Count}.json"), first.StartNs);
    }

    public int Open(CallRow call, StackWalk.Frame? parent)
    {
        var key = (call.Module, call.Func, call.File, call.Line);
        if (!_frameIndex.TryGetValue(key, out int frame))
        {
            frame = _frames.Count;
            _frames.Add((call.QualifiedName, call.File, call.Line));
            _frameIndex[key] = frame;
        }
        Event(call.Thread, 'O', frame, call.StartNs);
        return frame;
    }

    public void Close(StackWalk.Frame frame, StackWalk.Frame? parent) => Event(frame.Call.Thread, 'C', frame.Node, frame.EndNs);

    public void ThreadEnded(long thread, long lastNs)
    {
        var profile = _profiles[thread];
        profile.EndNs = Math.Max(profile.EndNs, lastNs);
    }

    private void Event(long thread, char type, int frame, long ns)
    {
        var profile = _profiles[thread];
        if (!profile.First) profile.Events.Write(',');
        profile.First = false;
        profile.Events.Write($"{{\"type\":\"{type}\",\"frame\":{frame},\"at\":{ns - _originNs}}}");
        profile.EndNs = Math.Max(profile.EndNs, ns);
    }

    private static string Quote(string text) => "\"" + JsonEncodedText.Encode(text, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value + "\"";

    /// <summary>Writes the file: the profiles (their events copied from the temporary files), then the frames.</summary>
    public void Dispose()
    {
        var header = new StringBuilder();
        header.Append("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\"exporter\":\"pytrace\",");
        header.Append($"\"name\":{Quote(_name)},\"activeProfileIndex\":0,\"profiles\":[");
        _output.Write(header.ToString());
        bool first = true;
        foreach (var profile in _profiles.Values)
        {
            profile.Events.Dispose();
            _output.Write(first ? "" : ",");
            first = false;
            _output.Write($"{{\"type\":\"evented\",\"name\":{Quote(profile.Name)},\"unit\":\"nanoseconds\"," +
                          $"\"startValue\":{profile.StartNs - _originNs},\"endValue\":{profile.EndNs - _originNs},\"events\":[");
            using (var events = new StreamReader(profile.Path, Encoding.UTF8))
            {
                var block = new char[1 << 16];
                for (int n; (n = events.Read(block, 0, block.Length)) > 0;) _output.Write(block, 0, n);
            }
            _output.Write("]}");
        }
        _output.Write("],\"shared\":{\"frames\":[");
        for (int i = 0; i < _frames.Count; i++)
        {
            var (name, file, line) = _frames[i];
            _output.Write((i == 0 ? "" : ",") + $"{{\"name\":{Quote(name)},\"file\":{Quote(file)},\"line\":{line}}}");
        }
        _output.Write("]}}\n");
        Directory.Delete(_folder, recursive: true);
    }
}
