using System.CommandLine;
using System.CommandLine.Help;
using Pytrace.Reader.Filter;

namespace Pytrace.Reader.Commands;

/// <summary>
/// Parses a subcommand's arguments against its declared options. `-h`/`--help` prints the generated help and the
/// command's examples (exit 0); a mistake is one line with a suggestion where one is near (exit 2), never a stack trace.
/// </summary>
public static class CommandSyntax
{
    public const int Ok = 0, Usage = 2;

    /// <summary>
    /// Null when the command should run with RESULT; else the exit code of a help printed to STDOUT, or of a mistake
    /// handed to REFUSE as one line.
    /// </summary>
    public static int? Parse(Command command, IReadOnlyList<string> args, TextWriter stdout, Action<string> refuse, out ParseResult result)
    {
        // Through the root when there is one, so that help names the command as users type it: `pytrace query`.
        result = command.Parents.OfType<RootCommand>().FirstOrDefault() is { } root
            ? root.Parse([command.Name, .. args])
            : command.Parse(args);
        if (result.Action is HelpAction)
        {
            result.Invoke(new InvocationConfiguration { Output = stdout, Error = TextWriter.Null });
            if (ExampleText.GetValueOrDefault(result.CommandResult.Command) is { } examples)
                stdout.WriteLine("Examples:\n" + examples + "\n");
            return Ok;
        }
        if (FirstError(result) is not { } error) return null;
        refuse(error);
        return Usage;
    }

    /// <summary>
    /// Gives COMMAND its own -h/--help (it is parsed on its own, not through the root) and the examples shown after
    /// the generated help, one per line.
    /// </summary>
    public static void SetExamples(Command command, params string[] lines)
    {
        if (command is not RootCommand) command.Options.Add(new HelpOption());
        ExampleText[command] = string.Join('\n', lines.Select(l => "  " + l));
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Command, string> ExampleText = new();

    /// <summary>The one line to say about a parse, or null when it parsed.</summary>
    public static string? FirstError(ParseResult result)
    {
        var command = result.CommandResult.Command;
        // A word the command takes as its argument (SCRIPT, FILTER, DB) that looks like an option is a misspelt option.
        foreach (var argument in result.CommandResult.Children.OfType<System.CommandLine.Parsing.ArgumentResult>())
            if (argument.Tokens.FirstOrDefault(t => t.Value.StartsWith('-') && t.Value.Length > 1) is { } looksLikeOption)
                return UnknownOption(command, looksLikeOption.Value);
        foreach (var token in result.UnmatchedTokens)
        {
            if (token.StartsWith('-') && token.Length > 1)
                return UnknownOption(command, token);
            return $"unexpected argument '{token}' (see {Invocation(command)} --help)";
        }
        if (result.Errors.Count == 0) return null;
        var message = result.Errors[0].Message;
        // The generated messages that users meet most, said as the rest of pytrace says things.
        if (message.StartsWith("Required argument missing for option: ", StringComparison.Ordinal))
            return $"{message["Required argument missing for option: ".Length..].Trim('\'', '.')} needs a value (see {Invocation(command)} --help)";
        return message;
    }

    private static string UnknownOption(Command command, string token)
    {
        var name = token.Split('=')[0];
        var near = Nearest(name, command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)));
        return near is null ? $"unknown option {name} (see {Invocation(command)} --help)" : $"unknown option {name}: did you mean {near}?";
    }

    private static string Invocation(Command command) => command is RootCommand ? "pytrace" : "pytrace " + command.Name;

    /// <summary>The nearest candidate within two edits of WORD (a quarter of its length when longer), if any.</summary>
    public static string? Nearest(string word, IEnumerable<string> candidates) =>
        candidates.Select(c => (Candidate: c, Distance: Similarity.Levenshtein(word, c)))
            .Where(c => c.Distance <= Math.Max(2, word.Length / 4))
            .OrderBy(c => c.Distance).Select(c => c.Candidate).FirstOrDefault();
}
