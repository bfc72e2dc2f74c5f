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
            $"written={dumper.Written} written_per_busy_s={(busy > 0 ? dumper.Written / busy : 0):F0} " +
            $"bytes_per_call={(kept > 0 ? (double)bytes / kept : 0):F1} exit_wait_s={sinceProgramExit.TotalSeconds:F3} " +
            $"fill={RunDumper.PhaseFill/1e9:F3} skim={RunDumper.PhaseSkim/1e9:F3} decode={RunDumper.PhaseDecode/1e9:F3} commit={RunDumper.PhaseCommit/1e9:F3} " +
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
