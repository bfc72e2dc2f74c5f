using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Pytrace.Reader.Data;
using Schema = Pytrace.Storage.Schema;

namespace Pytrace.Reader.Export;

/// <summary>Writes calls and drops as JSON Lines in the format of docs/export-format.md.</summary>
public sealed class JsonlWriter(TextWriter output, IReadOnlyDictionary<long, string> threadNames)
{
    // Readable non-ASCII in values; still valid JSON, and the encoder keeps escaping quotes and controls.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);

    public void WriteCall(CallRow call, IReadOnlyList<ArgValue> args)
    {
        _buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_buffer, Options))
        {
            json.WriteStartObject();
            json.WriteNumber("id", call.Id);
            if (call.Parent is { } parent) json.WriteNumber("parent", parent); else json.WriteNull("parent");
            json.WriteNumber("pid", call.Pid);
            json.WriteNumber("tid", call.Tid);
            json.WriteString("thread", threadNames.TryGetValue(call.Thread, out var name) ? name : null);
            json.WriteNumber("depth", call.Depth);
            json.WriteNumber("start_ns", call.StartNs);
            if (call.EndNs is { } end) json.WriteNumber("end_ns", end); else json.WriteNull("end_ns");
            json.WriteString("module", call.Module);
            json.WriteString("func", call.Func);
            json.WriteString("file", call.File);
            json.WriteNumber("line", call.Line);
            json.WriteString("kind", CallKinds.Name(call.Kind));
            json.WriteString("end", call.EndKind switch
            {
                Schema.EndKind.Return => "return", Schema.EndKind.Yield => "yield", Schema.EndKind.Exception => "exception", _ => "unfinished",
            });
            json.WriteStartArray("args");
            foreach (var arg in args)
            {
                json.WriteStartObject();
                json.WriteString("name", arg.Name);
                json.WriteString("type", arg.Type);
                json.WriteString("value", arg.Value);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            // An end without a value (a log record is finished when written; a C function's value is not recorded): null.
            bool valued = call.Result is not null;
            WriteResult(json, "return", call, call.EndKind is Schema.EndKind.Return or Schema.EndKind.Yield && valued);
            WriteResult(json, "exception", call, call.EndKind == Schema.EndKind.Exception && valued);
            json.WriteEndObject();
        }
        Flush();
    }

    private static void WriteResult(Utf8JsonWriter json, string name, CallRow call, bool present)
    {
        if (!present)
        {
            json.WriteNull(name);
            return;
        }
        json.WriteStartObject(name);
        json.WriteString("type", call.ResultType);
        json.WriteString("value", call.Result);
        json.WriteEndObject();
    }

    public void WriteDrop(DropRow drop)
    {
        _buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("kind", drop.HookTaken ? "hook_taken" : "dropped");
            json.WriteNumber("pid", drop.Pid);
            if (drop.Tid is { } tid) json.WriteNumber("tid", tid);
            json.WriteNumber("count", drop.Count);
            json.WriteNumber("time_ns", drop.TimeNs);
            if (drop.EndedNs is { } ended) json.WriteNumber("ended_ns", ended);
            json.WriteEndObject();
        }
        Flush();
    }

    private void Flush()
    {
        output.Write(Encoding.UTF8.GetString(_buffer.WrittenSpan));
        output.Write('\n');
    }
}
