using System.Numerics;
using Pytrace.Interop;

namespace Pytrace.Cli.Running;

/// <summary>
/// On a machine of two CPUs, keeps pytrace's threads on one of them while the program runs. Its decoder and writer
/// are two busy threads: left to float, the scheduler also puts them on the program's CPU, which the program then
/// shares (fib on 3.12, median of 15 fresh runs: 196 ns per call floating, 144 pinned). Once the program has ended,
/// every thread may use every CPU again, to finish sooner. With more CPUs the scheduler finds them room anyway,
/// and a pin would only take the second CPU from the dumper.
/// </summary>
internal static unsafe class DumperCpu
{
    private const int MaskWords = 16; // 1,024 CPUs
    private static readonly ulong[] Allowed = new ulong[MaskWords];
    private static bool s_pinned;

    /// <summary>Pins the calling thread, and the threads it starts from now on, to the last CPU pytrace may use.</summary>
    public static void PinWhileTheProgramRuns()
    {
        fixed (ulong* allowed = Allowed)
        {
            if (Libc.SchedGetAffinity(0, MaskWords * 8, allowed) != 0) return;
            int cpus = 0, last = -1;
            for (int word = 0; word < MaskWords; word++)
            {
                cpus += BitOperations.PopCount(allowed[word]);
                if (allowed[word] != 0) last = word * 64 + 63 - BitOperations.LeadingZeroCount(allowed[word]);
            }
            if (cpus != 2) return;
            ulong* one = stackalloc ulong[MaskWords];
            for (int word = 0; word < MaskWords; word++) one[word] = 0;
            one[last / 64] = 1UL << (last % 64);
            s_pinned = Libc.SchedSetAffinity(0, MaskWords * 8, one) == 0;
        }
    }

    /// <summary>Gives every thread of pytrace back the CPUs it started with (once the program has ended).</summary>
    public static void Release()
    {
        if (!s_pinned) return;
        s_pinned = false;
        fixed (ulong* allowed = Allowed)
        {
            try
            {
                foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
                    if (int.TryParse(Path.GetFileName(task), out int tid)) Libc.SchedSetAffinity(tid, MaskWords * 8, allowed);
            }
            catch (IOException)
            {
                Libc.SchedSetAffinity(0, MaskWords * 8, allowed); // at least the decoding thread
            }
        }
    }
}
