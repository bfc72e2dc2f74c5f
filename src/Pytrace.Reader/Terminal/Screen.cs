using System.Text;
using Pytrace.Reader.Text;

namespace Pytrace.Reader.Terminal;

/// <summary>Draws frames of styled lines, rewriting only the lines that changed since the last frame.</summary>
public sealed class Screen(ITerminal terminal)
{
    private string[] _shown = [];
    private (int, int) _size;

    public void Invalidate() => _shown = [];

    public void Draw(IReadOnlyList<StyledLine> lines)
    {
        var size = (terminal.Width, terminal.Height);
        var output = new StringBuilder();
        if (size != _size)
        {
            _size = size;
            _shown = [];
            output.Append("\x1b[H\x1b[2J");
        }
        if (_shown.Length != size.Height)
            _shown = new string[size.Height];
        for (var row = 0; row < size.Height; row++)
        {
            var text = row < lines.Count ? Encode(lines[row].Slice(0, size.Width)) : "";
            if (_shown[row] == text)
                continue;
            _shown[row] = text;
            output.Append("\x1b[").Append(row + 1).Append(";1H").Append(text).Append("\x1b[0m\x1b[K");
        }
        if (output.Length > 0)
        {
            terminal.Write(output.ToString());
            terminal.Flush();
        }
    }

    private string Encode(StyledLine line)
    {
        var text = new StringBuilder();
        foreach (var span in line.Spans)
        {
            var sgr = Sgr(span.Style);
            if (sgr.Length > 0)
                text.Append("\x1b[").Append(sgr).Append('m').Append(span.Text).Append("\x1b[0m");
            else
                text.Append(span.Text);
        }
        return text.ToString();
    }

    private string Sgr(Style style) => style switch
    {
        Style.Selected or Style.Status or Style.Match => "7",
        _ when !terminal.Color => "",
        Style.Dim => "2",
        Style.Name => "1",
        Style.Result => "32",
        Style.Error => "1;31",
        Style.Drop => "33",
        Style.Prompt => "36",
        _ => "",
    };
}
