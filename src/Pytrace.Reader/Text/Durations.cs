using System.Globalization;

namespace Pytrace.Reader.Text;

/// <summary>Human durations: 850 ns, 3.1 µs, 40.2 ms, 1.25 s.</summary>
public static class Durations
{
    public static string Format(long ns) => ns switch
    {
        < 1_000 => ns.ToString(CultureInfo.InvariantCulture) + " ns",
        < 1_000_000 => (ns / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " µs",
        < 1_000_000_000 => (ns / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " ms",
        _ => (ns / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " s",
    };
}
