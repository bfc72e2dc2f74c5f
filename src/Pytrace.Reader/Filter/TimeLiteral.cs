using System.Globalization;
using System.Text.RegularExpressions;

namespace Pytrace.Reader.Filter;

/// <summary>Parses 'YYYY/MM/DD HH:MM:SS[.ffffff]' or a time of day, in local time, to a UTC ns interval.</summary>
public static partial class TimeLiteral
{
    [GeneratedRegex(@"^\s*(?:(\d{4})[/-](\d{1,2})[/-](\d{1,2})[ T]+)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*$")]
    private static partial Regex Shape();

    /// <summary>Start (ns since the epoch, UTC) and the width of the literal's precision (a second, a ms...).</summary>
    public static bool TryParse(string text, DateOnly defaultDay, TimeZoneInfo zone, out long startNs, out long widthNs)
    {
        startNs = widthNs = 0;
        var m = Shape().Match(text);
        if (!m.Success)
            return false;
        int Part(int i) => int.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture);
        try
        {
            var day = m.Groups[1].Success ? new DateOnly(Part(1), Part(2), Part(3)) : defaultDay;
            var seconds = m.Groups[6].Success ? Part(6) : 0;
            var local = day.ToDateTime(new TimeOnly(Part(4), Part(5), seconds), DateTimeKind.Unspecified);
            var utc = TimeZoneInfo.ConvertTimeToUtc(local, zone);
            var fraction = m.Groups[7].Value;
            startNs = (utc - DateTime.UnixEpoch).Ticks * 100 + (fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(9, '0'), CultureInfo.InvariantCulture));
            widthNs = fraction.Length > 0 ? (long)Math.Pow(10, 9 - fraction.Length) : m.Groups[6].Success ? 1_000_000_000L : 60_000_000_000L;
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public static string Format(long ns, TimeZoneInfo zone, bool withDate)
    {
        var utc = DateTime.UnixEpoch.AddTicks(ns / 100);
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, zone);
        var micros = ns % 1_000_000_000 / 1000;
        return (withDate ? local.ToString("yyyy/MM/dd ", CultureInfo.InvariantCulture) : "") +
               local.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + "." + micros.ToString("D6", CultureInfo.InvariantCulture);
    }
}
