using System.Text.Json;
using Pytrace.Reader.Data;
using Schema = Pytrace.Storage.Schema;

namespace Pytrace.Reader.Export;

/// <summary>
/// The Trace Event Format (JSON object form) that ui.perfetto.dev and chrome://tracing open: process and thread
/// names as metadata, one complete (X) event per call with ts/dur in µs from the run's start, logs and drops as
/// instant events. Slices of a thread nest because calls nest in time. Written as it is read: bounded memory.
/// </summary>
public sealed class ChromeTraceWriter : IDisposable
{
    private readonly JsonChunks _out;
    private readonly long _originNs, _lastNs;

    public ChromeTraceWriter(TextWriter output, long originNs, long lastNs, IEnumerable<(long Pid, long Tid, string? Name)> threads,
        IEnumerable<(long Pid, string Name)> processes)
    {
        _out = new JsonChunks(output);
        _originNs = originNs;
        _lastNs = lastNs;
        var json = _out.Json;
        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ms");
        json.WriteStartObject("otherData");
        json.WriteString("exporter", "pytrace");
        json.WriteNumber("origin_ns", originNs);
        json.WriteEndObject();
        json.WriteStartArray("traceEvents");
        foreach (var (pid, name) in processes) Metadata("process_name", pid, pid, name);
        foreach (var (pid, tid, name) in threads) Metadata("thread_name", pid, tid, name ?? $"thread {tid}");
    }

    private void Metadata(string kind, long pid, long tid, string name)
    {
        var json = _out.Json;
        json.WriteStartObject();
        json.WriteString("name", kind);
        json.WriteString("ph", "M");
        json.WriteNumber("pid", pid);
        json.WriteNumber("tid", tid);
        json.WriteStartObject("args");
        json.WriteString("name", name);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private double Micros(long ns) => (ns - _originNs) / 1000.0;

    public void WriteCall(CallRow call, IReadOnlyList<ArgValue> args)
    {
        var json = _out.Json;
        json.WriteStartObject();
        json.WriteString("name", call.Kind == Schema.CallKind.Log ? args.FirstOrDefault()?.Value ?? "log" : call.QualifiedName);
        json.WriteString("cat", CallKinds.Name(call.Kind));
        if (call.Kind == Schema.CallKind.Log)
        {
            json.WriteString("ph", "i");
            json.WriteString("s", "t");
        }
        else
        {
            json.WriteString("ph", "X");
        }
        json.WriteNumber("ts", Micros(call.StartNs));
        if (call.Kind != Schema.CallKind.Log) json.WriteNumber("dur", ((call.EndNs ?? Math.Max(_lastNs, call.StartNs)) - call.StartNs) / 1000.0);
        json.WriteNumber("pid", call.Pid);
        json.WriteNumber("tid", call.Tid);
        json.WriteStartObject("args");
        json.WriteString("location", $"{call.File}:{call.Line}");
        json.WriteNumber("id", call.Id);
        if (args.Count > 0)
        {
            json.WriteStartObject("arguments");
            foreach (var arg in args) json.WriteString(arg.Name, arg.Value);
            json.WriteEndObject();
        }
        switch (call.EndKind)
        {
            case Schema.EndKind.Exception: json.WriteString("exception", call.Result ?? "raised"); break;
            case Schema.EndKind.Return or Schema.EndKind.Yield when call.Result is not null:
                json.WriteString(call.EndKind == Schema.EndKind.Yield ? "yield" : "return", call.Result);
                break;
            case Schema.EndKind.Unfinished: json.WriteBoolean("unfinished", true); break;
        }
        json.WriteEndObject();
        json.WriteEndObject();
        _out.MaybeFlush();
    }

    public void WriteDrop(DropRow drop)
    {
        var json = _out.Json;
        json.WriteStartObject();
        json.WriteString("name", drop.HookTaken ? "not recorded: another profiler held the hook" : $"{drop.Count:N0} records dropped");
        json.WriteString("ph", "i");
        json.WriteString("s", drop.Tid is null ? "p" : "t");
        json.WriteNumber("ts", Micros(drop.TimeNs));
        json.WriteNumber("pid", drop.Pid);
        json.WriteNumber("tid", drop.Tid ?? drop.Pid);
        json.WriteEndObject();
        _out.MaybeFlush();
    }

    public void Dispose()
    {
        _out.Json.WriteEndArray();
        _out.Json.WriteEndObject();
        _out.Dispose();
    }
}
