using Pytrace.Reader.Terminal;
using Pytrace.Reader.Text;
using Pytrace.Reader.Tests.Support;

namespace Pytrace.Reader.Tests;

public class ScreenTests
{
    private sealed class Plain(ScreenBuffer inner) : ITerminal
    {
        public int Width => inner.Width;
        public int Height => inner.Height;
        public bool Color => false;
        public void Enter() => inner.Enter();
        public void Leave() => inner.Leave();
        public void Write(string text) => inner.Write(text);
        public void Flush() { }
        public ConsoleKeyInfo? ReadKey(int timeoutMs) => null;
    }

    private static List<StyledLine> Lines(params (string, Style)[] spans) =>
        spans.Select(s => new StyledLine().Add(s.Item1, s.Item2)).ToList();

    [Fact]
    public void WidthsAreTerminalCells()
    {
        Assert.Equal(16, Cells.Width("'日本語テキスト'"));
        Assert.Equal(5, Cells.Width("'e\u0301te\u0301'"));          // combining accents take no cell
        Assert.Equal(1, Cells.Width("\U0001D49C"));                   // one letter outside the BMP, two UTF-16 units
        var cut = Values.Cut("'日本語テキスト日本語テキスト'", 12);     // cut by cells, a wide character not split
        Assert.Equal("'日本語テ...", cut);
        Assert.Equal(12, Cells.Width(cut));
        var line = new StyledLine().Add("ab日本c");
        Assert.Equal(7, line.Length);
        Assert.Equal("b日 ", line.Slice(1, 4).Plain());                  // half of 本 at the edge is a space
        Assert.Equal(" c", line.Slice(5, 5).Plain());
    }

    [Fact]
    public void WithoutColourOnlyReverseVideoRemains()
    {
        var buffer = new ScreenBuffer(40, 3);
        new Screen(new Plain(buffer)).Draw(Lines(("✗ boom", Style.Error), ("cursor", Style.Selected), ("12:00", Style.Dim)));
        var raw = buffer.Raw.ToString();
        Assert.DoesNotContain("\x1b[1;31m", raw);
        Assert.DoesNotContain("\x1b[2m", raw);
        Assert.Contains("\x1b[7mcursor", raw);
        Assert.Equal("✗ boom\ncursor\n12:00", buffer.Text);
    }

    [Fact]
    public void RedrawsOnlyChangedLinesAndCutsAtTheWidth()
    {
        var buffer = new ScreenBuffer(10, 3);
        var screen = new Screen(buffer);
        screen.Draw(Lines(("first line is long", Style.Plain), ("second", Style.Plain)));
        buffer.Raw.Clear();
        screen.Draw(Lines(("first line is long", Style.Plain), ("changed", Style.Plain)));
        Assert.Equal("\x1b[2;1Hchanged\x1b[0m\x1b[K", buffer.Raw.ToString());
        Assert.Equal("first line\nchanged\n", buffer.Text);
    }
}
