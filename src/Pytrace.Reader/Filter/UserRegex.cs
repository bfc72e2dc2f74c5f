using System.Text.RegularExpressions;

namespace Pytrace.Reader.Filter;

/// <summary>
/// The user's patterns (`~=` in filters, `/` search) as linear-time regexes. A backtracking regex can take hours
/// on a pattern like (a+)+$ over a large run, so a pattern that needs backtracking is refused, never run.
/// </summary>
public static class UserRegex
{
    private const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;
    private const string UnsupportedPrefix = "expressions containing: ";

    /// <summary>The regex for PATTERN, or null with ERROR saying why it cannot be one (a line for the user).</summary>
    public static Regex? TryCompile(string pattern, out string error)
    {
        try
        {
            error = "";
            return new Regex(pattern, Options);
        }
        catch (RegexParseException e)
        {
            error = $"bad regular expression: {e.Message}";
        }
        catch (NotSupportedException e)
        {
            // .NET names the construct: "... in conjunction with expressions containing: 'backreference (\ number)'."
            var at = e.Message.IndexOf(UnsupportedPrefix, StringComparison.Ordinal);
            var what = at < 0 ? e.Message : e.Message[(at + UnsupportedPrefix.Length)..].TrimEnd('.');
            error = $"{what} not supported: patterns run in linear time, without backreferences, lookarounds, atomic groups or conditionals";
        }
        return null;
    }
}
