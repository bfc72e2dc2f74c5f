using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pytrace.Reader.Export;

/// <summary>A JSON document written to a text output in chunks as it grows: one document of any size, bounded memory.</summary>
public sealed class JsonChunks(TextWriter output) : IDisposable
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);
    private Utf8JsonWriter? _json;

    public Utf8JsonWriter Json => _json ??= new Utf8JsonWriter(_buffer, Options);

    /// <summary>Hands what is written so far to the output once it passes 64 KiB.</summary>
    public void MaybeFlush()
    {
        if (Json.BytesPending + _buffer.WrittenCount >= 1 << 16) Flush();
    }

    public void Flush()
    {
        Json.Flush();
        output.Write(Encoding.UTF8.GetString(_buffer.WrittenSpan));
        _buffer.ResetWrittenCount();
    }

    public void Dispose()
    {
        Flush();
        _json?.Dispose();
    }
}
