using Pytrace.Reader.Data;
using Pytrace.Reader.Filter;

namespace Pytrace.Reader.Commands;

/// <summary>A filter typed on the command line, compiled against the database it reads; a bad one is the user's mistake.</summary>
public static class FilterText
{
    public static CompiledFilter Compile(TraceDb db, string text)
    {
        var summary = TraceSummary.Load(db);
        try
        {
            return SqlCompiler.Compile(text, FilterContext.ForFirstCall(db, summary.FirstStartNs));
        }
        catch (FilterException e)
        {
            throw new UsageException($"bad filter at {e.OneLine}");
        }
    }
}
