using System.CommandLine;
using Pytrace.Core.Options;

namespace Pytrace.Cli.Running;

/// <summary>
/// The command line's options for a recording, declared once for the two commands that take them: the run command
/// and the `_dump` helper of pytrace.start(). The settings' values are checked by Core's <see cref="RecordingOption"/>,
/// as the generator checks start()'s keywords.
/// </summary>
internal static class RecordingOptions
{
    public static Option<string> Db() => Checked(new Option<string>("--db")
    {
        Description = "database to write (default ./traces.sqlite; replaced unless --append)", HelpName = "PATH",
    }, v => v);

    public static Option<bool> Append() => new("--append") { Description = "add this run to an existing database" };

    public static Option<string> Python() => new("--python")
    {
        Description = "interpreter to run (default: $PYTRACE_PYTHON, else python3 on PATH)", HelpName = "PATH",
    };

    /// <summary>DEFINITION as an option whose value is its canonical text (a size in bytes, say).</summary>
    public static Option<string> Declare(RecordingOption definition)
    {
        var option = new Option<string>("--" + definition.Name)
        {
            Description = definition.Help + (definition.DefaultText is { } d ? $" (default {d})" : ""),
            HelpName = definition.ValueName,
        };
        return Checked(option, v => definition.Parse(v, option.Name, out var error) is { } canonical ? canonical : throw new OptionValueException(error!));
    }

    /// <summary>The canonical text of DEFINITION's option in PARSED, or of its default when it was not given.</summary>
    public static string? Value(ParseResult parsed, Option<string> option, RecordingOption definition) =>
        parsed.GetValue(option) ?? (definition.DefaultText is { } text ? definition.Parse(text, definition.Name, out _) : null);

    /// <summary>Gives OPTION the canonical value CANONICAL makes of its text, or its one-line refusal.</summary>
    private static Option<string> Checked(Option<string> option, Func<string, string> canonical)
    {
        option.CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (text.Length == 0) { result.AddError($"{option.Name} needs a value, not an empty one"); return null; }
            try { return canonical(text); }
            catch (OptionValueException e) { result.AddError(e.Message); return null; }
        };
        return option;
    }

    private sealed class OptionValueException(string message) : Exception(message);
}
