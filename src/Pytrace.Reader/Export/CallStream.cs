using Pytrace.Reader.Data;

namespace Pytrace.Reader.Export;

/// <summary>Every call of a scope in id order with its arguments, page by page, and drops merged in by time.</summary>
public static class CallStream
{
    public const int PageSize = 2000;

    public static IEnumerable<(CallRow? Call, IReadOnlyList<ArgValue> Args, DropRow? Drop)> Read(CallStore store, ViewScope scope, bool withDrops,
        bool withArgs = true)
    {
        var drops = withDrops ? store.Drops() : [];
        var nextDrop = 0;
        var after = long.MinValue;
        while (true)
        {
            var page = store.Page(scope, after, PageSize);
            var args = withArgs ? store.Args(page.Select(c => c.Id).ToList()) : [];
            foreach (var call in page)
            {
                while (nextDrop < drops.Count && drops[nextDrop].TimeNs <= call.StartNs)
                    yield return (null, [], drops[nextDrop++]);
                yield return (call, args.TryGetValue(call.Id, out var a) ? a : [], null);
            }
            if (page.Count < PageSize)
                break;
            after = page[^1].Id;
        }
        while (nextDrop < drops.Count)
            yield return (null, [], drops[nextDrop++]);
    }
}
