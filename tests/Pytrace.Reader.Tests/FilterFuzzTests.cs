using System.Diagnostics;
using System.Text;
using Pytrace.Reader.Commands;
using Pytrace.Reader.Data;
using Pytrace.Reader.Filter;
using Pytrace.Reader.Tests.Support;

namespace Pytrace.Reader.Tests;

/// <summary>
/// Generated and mutated filters through the real parser, compiler and SQLite (the small shop run): each ends in
/// a count or a FilterException printed as one line, never another exception, never slowly.
/// </summary>
public sealed class FilterFuzzTests : IDisposable
{
    private const int Filters = 12_000;
    private static readonly string[] Fields = ["time", "tid", "pid", "module", "func", "file", "line", "depth", "duration", "kind", "arg", "value", "type", "fnuc"];
    private static readonly string[] Operators = ["==", "!=", "<", "<=", ">", ">=", "~=", "matches", "=", "!"];
    private static readonly string[] Literals =
    [
        "'checkout'", "'shop%'", "'_'", "\"'ann'\"", "'return value'", "'exception'", "'call'", "'log'", "'resume'",
        "'12:01:02'", "'2026/11/25 12:01:02.5'", "'25:99'", "'(a+)+$'", @"'(p)\\1'", "'(?=x)'", "'[a-z]{2,50000}'", "'('",
        "'a\\nb'", "'\x1b]0;t\x07'", "'unclosed", "2", "-1.5e3", "1e999", "0.01", "1_000", "..5", "'\\'", "''",
    ];
    private static readonly string[] Valid =
    [
        "func == 'checkout'", "module == 'shop%'", "file ~= 'py$'", "depth < 3", "arg == 'user'", "value == 2",
        "type == 'Cart'", "arg == 'exception'", "duration > 0.01", "time > '12:01:02'", "kind != 'log'", "value ~= '(a+)+$'",
    ];
    private static readonly string[] Noise = ["(", ")", "not ", " and ", " or ", "'", "\"", "\\", "=", "~", "\0", "\n", " ", "é"];
    private readonly TempDb _db = new();

    public FilterFuzzTests() => Shop.Write(_db.Path);

    public void Dispose() => _db.Dispose();

    [Fact]
    public void EveryFilterEndsInACountOrOneErrorLineWithinASecond()
    {
        var random = new Random(11);
        using var trace = TraceDb.Open(_db.Path);
        var context = FilterContext.ForFirstCall(trace, TraceSummary.Load(trace).FirstStartNs);
        var (counted, refused) = (0, 0);
        for (var i = 0; i < Filters; i++)
        {
            var filter = i % 2 == 0 ? Generate(random, 0) : Mutate(random, Generate(random, 0));
            var clock = Stopwatch.StartNew();
            try
            {
                var compiled = SqlCompiler.Compile(filter, context);
                using var rows = trace.Command($"SELECT count(*) FROM calls c WHERE {compiled.Sql}", compiled.Parameters);
                Assert.True(rows.Read());
                counted++;
            }
            catch (FilterException e)
            {
                var stderr = new StringWriter();
                CommandGuard.Error(stderr, "query", $"bad filter at {e.OneLine}");
                Assert.True(stderr.ToString().Count(c => c == '\n') == 1, filter);
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{e.GetType().Name} on {Printable(filter)}: {e.Message}");
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"{clock.Elapsed} on {Printable(filter)}");
        }
        // Both outcomes are exercised, not just one.
        Assert.True(counted > Filters / 10 && refused > Filters / 10, $"{counted} counted, {refused} refused");
    }

    private static string Generate(Random random, int depth)
    {
        var roll = random.Next(depth > 4 ? 4 : 10);
        return roll switch
        {
            < 3 => Pick(random, Valid),
            3 => $"{Pick(random, Fields)} {Pick(random, Operators)} {Pick(random, Literals)}",
            4 or 5 => $"{Generate(random, depth + 1)} {(random.Next(2) == 0 ? "and" : "or")} {Generate(random, depth + 1)}",
            6 or 7 => $"({Generate(random, depth + 1)})",
            8 => $"not {Generate(random, depth + 1)}",
            _ => string.Concat(Enumerable.Repeat(random.Next(2) == 0 ? "(" : "not ", random.Next(90, 110))) + Generate(random, 5)
                 + (random.Next(2) == 0 ? new string(')', random.Next(0, 110)) : ""),
        };
    }

    // Deletes, inserts, duplicates or swaps pieces: near-misses of valid filters are where parsers go wrong.
    private static string Mutate(Random random, string filter)
    {
        var text = new StringBuilder(filter);
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            var at = random.Next(text.Length + 1);
            switch (random.Next(4))
            {
                case 0 when at < text.Length:
                    text.Remove(at, Math.Min(random.Next(1, 5), text.Length - at));
                    break;
                case 1:
                    text.Insert(at, Pick(random, Noise));
                    break;
                case 2 when at < text.Length:
                    var piece = text.ToString(at, Math.Min(random.Next(1, 12), text.Length - at));
                    text.Insert(at, piece);
                    break;
                default:
                    text.Insert(at, Pick(random, Literals));
                    break;
            }
        }
        return text.ToString();
    }

    private static string Pick(Random random, string[] choices) => choices[random.Next(choices.Length)];

    private static string Printable(string filter) => Pytrace.Reader.Text.ControlChars.Escape(filter.Length > 300 ? filter[..300] + "..." : filter);
}
