using Pytrace.Storage;

namespace Pytrace.Dumper;

/// <summary>
/// The decoder's ids for strings, functions, threads and values: each distinct one gets an id once, and its row
/// goes into the batch being decoded. Lookups never wait for the database.
/// </summary>
internal sealed class Interner(IdSupply names, Action throwIfWriterFailed)
{
    private readonly Dictionary<string, long> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Module, string Name, string File, int Line, string Parameters), long> _functions = new();
    private readonly Dictionary<(int Pid, long Tid), (long Id, bool Named)> _threads = new();
    private readonly ValueCache _values = new();

    /// <summary>The batch new rows go into; the dumper moves it on at each submission.</summary>
    public WriteBatch Batch { get; set; } = null!;

    public long String(string text)
    {
        if (_strings.TryGetValue(text, out long id)) return id;
        id = names.Take(throwIfWriterFailed);
        _strings[text] = id;
        Batch.Add(db => db.String(id, text));
        return id;
    }

    public long Function(string module, string name, string file, int line, string[] parameters)
    {
        var key = (module, name, file, line, string.Join('\0', parameters));
        if (_functions.TryGetValue(key, out long id)) return id;
        id = names.Take(throwIfWriterFailed);
        _functions[key] = id;
        Batch.Add(db => db.Function(id, module, name, file, line, parameters));
        return id;
    }

    /// <summary>The threads row of (PID, TID) in this run; a NAME learnt later is written to it.</summary>
    public long Thread(int pid, long tid, string name)
    {
        if (_threads.TryGetValue((pid, tid), out var known))
        {
            if (!known.Named && name.Length > 0)
            {
                _threads[(pid, tid)] = (known.Id, true);
                Batch.Add(db => db.NameThread(known.Id, name));
            }
            return known.Id;
        }
        long id = names.Take(throwIfWriterFailed);
        _threads[(pid, tid)] = (id, name.Length > 0);
        Batch.Add(db => db.Thread(id, pid, tid, name));
        return id;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public long Value(long type, ReadOnlySpan<byte> text)
    {
        if (_values.TryGet(type, text, out long id)) return id;
        id = names.Take(throwIfWriterFailed);
        _values.Add(type, text, id);
        Batch.AddValue(id, type, text);
        return id;
    }
}
