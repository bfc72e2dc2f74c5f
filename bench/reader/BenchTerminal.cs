using Pytrace.Reader.Terminal;

namespace Pytrace.Reader.Bench;

/// <summary>A 120x40 terminal that discards output: the bench measures the reader, not a terminal emulator.</summary>
public sealed class BenchTerminal : ITerminal
{
    public long BytesWritten { get; private set; }
    public int Width => 120;
    public int Height => 40;
    public bool Color => true;
    public void Enter() { }
    public void Leave() { }
    public void Write(string text) => BytesWritten += text.Length;
    public void Flush() { }
    public ConsoleKeyInfo? ReadKey(int timeoutMs) => null;
}
