using System.Globalization;
using Pytrace.Dumper;

namespace Pytrace.Cli.Running;

/// <summary>The line PYTRACE_STATS=1 prints after a run, for bench/run.py: what the dumper did and cost.</summary>
internal static class DumperStats
{
    public static string Line(RunDumper dumper, TimeSpan sinceProgramExit, string db)
    {
        double busy = dumper.Busy.TotalSeconds;
        long bytes = new FileInfo(db).Length + (File.Exists(db + "-wal") ? new FileInfo(db + "-wal").Length : 0);
        long kept = dumper.Calls - dumper.Trimmed;
        return string.Create(CultureInfo.InvariantCulture,
            $"pytrace-stats: calls={dumper.Calls} kept={kept} trimmed={dumper.Trimmed} dropped={dumper.Dropped} busy_s={busy:F3} " +
            $"written={dumper.Written} writer_busy_s={dumper.WriterBusy.TotalSeconds:F3} written_per_writer_s={(dumper.WriterBusy > TimeSpan.Zero ? dumper.Written / dumper.WriterBusy.TotalSeconds : 0):F0} " +
            $"bytes_per_call={(kept > 0 ? (double)bytes / kept : 0):F1} exit_wait_s={sinceProgramExit.TotalSeconds:F3} " +
            $"peak_rss_mb={PeakResidentMegabytes():F0} peak_backlog_mb={dumper.PeakBacklogBytes / 1048576.0:F0}");
    }

    private static double PeakResidentMegabytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(6).Trim().TrimEnd(" kB"), CultureInfo.InvariantCulture) / 1024.0;
        return 0;
    }
}
