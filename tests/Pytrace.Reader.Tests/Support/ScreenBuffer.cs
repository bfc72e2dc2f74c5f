using System.Text;
using Pytrace.Reader.Terminal;

namespace Pytrace.Reader.Tests.Support;

/// <summary>A fake terminal: interprets the ANSI subset the reader writes into a grid of chars; keys come from a queue.</summary>
public sealed class ScreenBuffer(int width, int height) : ITerminal
{
    private char[][] _grid = NewGrid(width, height);
    private int _row, _col;

    public int Width { get; private set; } = width;
    public int Height { get; private set; } = height;
    public bool Color => true;
    public Queue<ConsoleKeyInfo> Keys { get; } = new();
    public bool Entered { get; private set; }
    public bool Left { get; private set; }
    public StringBuilder Raw { get; } = new();

    private static char[][] NewGrid(int w, int h) => Enumerable.Range(0, h).Select(_ => Enumerable.Repeat(' ', w).ToArray()).ToArray();

    public void Resize(int w, int h)
    {
        Width = w;
        Height = h;
        _grid = NewGrid(w, h);
    }

    public void Enter() => Entered = true;
    public void Leave() => Left = true;
    public void Flush() { }

    /// <summary>Keys "typed" while the reader is busy in a query: what <see cref="PollKey"/> hands out, from any thread.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<ConsoleKeyInfo> TypedWhileBusy { get; } = new();

    public ConsoleKeyInfo? PollKey() => TypedWhileBusy.TryDequeue(out var key) ? key : null;

    public ConsoleKeyInfo? ReadKey(int timeoutMs) => Keys.Count > 0 ? Keys.Dequeue() : new ConsoleKeyInfo('q', ConsoleKey.Q, false, false, false);

    public void Write(string text)
    {
        Raw.Append(text);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\x1b')
            {
                if (_row < Height && _col < Width)
                    _grid[_row][_col] = text[i];
                _col++;
                continue;
            }
            var j = i + 2;
            while (j < text.Length && !char.IsLetter(text[j]))
                j++;
            var args = text[(i + 2)..j];
            switch (text[j])
            {
                case 'H':
                    var parts = args.Split(';');
                    _row = args.Length == 0 ? 0 : int.Parse(parts[0]) - 1;
                    _col = parts.Length > 1 ? int.Parse(parts[1]) - 1 : 0;
                    break;
                case 'K':
                    for (var c = _col; c < Width && _row < Height; c++)
                        _grid[_row][c] = ' ';
                    break;
                case 'J':
                    _grid = NewGrid(Width, Height);
                    break;
            }
            i = j;
        }
    }

    public string Line(int row) => new string(_grid[row]).TrimEnd();

    public string Text => string.Join("\n", Enumerable.Range(0, Height).Select(Line));

    public static ConsoleKeyInfo Key(char c) => new(c, c switch
    {
        >= 'a' and <= 'z' => ConsoleKey.A + (c - 'a'),
        >= 'A' and <= 'Z' => ConsoleKey.A + (c - 'A'),
        '\r' => ConsoleKey.Enter,
        '\t' => ConsoleKey.Tab,
        '\x1b' => ConsoleKey.Escape,
        ' ' => ConsoleKey.Spacebar,
        _ => ConsoleKey.NoName,
    }, char.IsUpper(c), false, false);

    public static ConsoleKeyInfo Special(ConsoleKey key) => new('\0', key, false, false, false);

    public void Type(string text)
    {
        foreach (var c in text)
            Keys.Enqueue(Key(c));
    }
}
