using System.Text.RegularExpressions;

namespace Pytrace.Reader.Tests.Support;

/// <summary>
/// A run whose every recorded text carries terminal controls (OSC title and clipboard, BEL, NUL, C1 CSI, DEL),
/// as a hostile or careless program can record them, and the checks that none reaches the terminal raw.
/// </summary>
public static partial class HostileText
{
    /// <summary>OSC 0 retitles the window; \x9b is the one-byte C1 CSI; \x7f DEL.</summary>
    public const string Payload = "\x1b]0;pwned\x07\x00\u009b2J\x7f";
    public const string Escaped = @"\x1b]0;pwned\x07\x00\x9b2J\x7f";

    public static void Write(string path)
    {
        using var b = new TraceBuilder(path);
        b.Thread(4321, 1, "Main" + Payload);
        b.Enter("evil" + Payload, "fn" + Payload, ("arg" + Payload, "T" + Payload, "'v" + Payload + "'"));
        b.Log("evil" + Payload, 7, ("str", "'log" + Payload + "'"), ("field" + Payload, "str", "'f" + Payload + "'"));
        b.Raise("Err" + Payload, "Err('" + Payload + "')", 5_000);
        b.EndRun(0);
    }

    // The sequences pytrace writes itself: CSI with digits, ';' and '?' and a final letter.
    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex OwnSequence();

    /// <summary>No control character but newlines, once pytrace's own CSI sequences are taken out.</summary>
    public static void AssertInert(string output)
    {
        var rest = OwnSequence().Replace(output, "");
        var control = rest.FirstOrDefault(c => char.IsControl(c) && c != '\n');
        Assert.True(control == default, $"raw U+{(int)control:X4} in: {rest}");
    }
}
