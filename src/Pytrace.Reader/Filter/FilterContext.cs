namespace Pytrace.Reader.Filter;

/// <summary>What a filter needs from the database to compile: the day a bare time of day refers to, and the zone.</summary>
public sealed record FilterContext(DateOnly Day, TimeZoneInfo Zone)
{
    public static FilterContext ForFirstCall(long? firstStartNs)
    {
        var zone = TimeZoneInfo.Local;
        var utc = firstStartNs is { } ns ? DateTime.UnixEpoch.AddTicks(ns / 100) : DateTime.UtcNow;
        return new FilterContext(DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(utc, zone)), zone);
    }
}
