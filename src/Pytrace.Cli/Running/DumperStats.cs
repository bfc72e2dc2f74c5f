using System.Globalization;
using Pytrace.Dumper;

namespace Pytrace.Cli.Running;

/// <summary>The line PYTRACE_STATS=1 prints after a run, for bench/run.py: what the dumper did and cost.</summary>
internal static class DumperStats
{
    /// <summary>
    /// calls: recorded; kept/trimmed/dropped as the summary; handled_per_s: calls decoded (written or skimmed) per
    /// second of the decoder's wall clock while it had records; written_per_s: rows per second of the SQLite writer's wall
    /// clock; exit_wait_s: from the program's exit to now (the database closed); gcs, gc_pause_ms, allocated_mb: this
    /// process's collections, their total pause and what it allocated (a pause stops the thread that drains the rings).
    /// </summary>
    public static string Line(RunDumper dumper, TimeSpan sinceProgramExit, string db)
    {
        double busy = dumper.Busy.TotalSeconds, writing = dumper.WriterBusy.TotalSeconds;
        long kept = dumper.Calls - dumper.Trimmed;
        return string.Create(CultureInfo.InvariantCulture,
            $"pytrace-stats: calls={dumper.Calls} kept={kept} trimmed={dumper.Trimmed} dropped={dumper.Dropped} written={dumper.Written} " +
            $"handled_per_s={(busy > 0 ? dumper.Calls / busy : 0):F0} written_per_s={(writing > 0 ? dumper.Written / writing : 0):F0} " +
            $"db_bytes={new FileInfo(db).Length} exit_wait_s={sinceProgramExit.TotalSeconds:F3} " +
            $"peak_rss_mb={PeakResidentMegabytes():F0} peak_backlog_mb={dumper.PeakBacklogBytes / 1048576.0:F0} " +
            $"gcs={GC.CollectionCount(0)} gc_pause_ms={GC.GetTotalPauseDuration().TotalMilliseconds:F0} " +
            $"allocated_mb={GC.GetTotalAllocatedBytes() / 1048576.0:F0}");
    }

    private static double PeakResidentMegabytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(6).Trim().TrimEnd(" kB"), CultureInfo.InvariantCulture) / 1024.0;
        return 0;
    }
}
