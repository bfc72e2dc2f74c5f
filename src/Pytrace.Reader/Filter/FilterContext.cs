using Pytrace.Reader.Data;

namespace Pytrace.Reader.Filter;

/// <summary>
/// What a filter needs from the database to compile: the day a bare time of day refers to, the zone, and the
/// catalog that turns names and values into ids.
/// </summary>
public sealed record FilterContext(DateOnly Day, TimeZoneInfo Zone, Catalog Catalog)
{
    public static FilterContext ForFirstCall(TraceDb db, long? firstStartNs)
    {
        var zone = TimeZoneInfo.Local;
        var utc = firstStartNs is { } ns ? DateTime.UnixEpoch.AddTicks(ns / 100) : DateTime.UtcNow;
        return new FilterContext(DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(utc, zone)), zone, new Catalog(db));
    }
}
