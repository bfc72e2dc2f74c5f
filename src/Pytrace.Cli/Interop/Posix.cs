using System.Runtime.InteropServices;
using System.Text;

namespace Pytrace.Cli.Interop;

/// <summary>posix_spawn and waitpid: the program must get the real wait status (exit code or signal) back.</summary>
internal static unsafe partial class Posix
{
    private const int PosixSpawnSetSigDef = 0x04, PosixSpawnSetSigMask = 0x08;

    [LibraryImport("libc", EntryPoint = "posix_spawnp")]
    private static partial int PosixSpawnP(int* pid, byte* file, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static partial int SpawnAttrInit(void* attr);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static partial int SpawnAttrSetFlags(void* attr, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    private static partial int SpawnAttrSetSigDefault(void* attr, void* set);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int SpawnAttrSetSigMask(void* attr, void* set);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    private static partial int SigEmptySet(void* set);

    [LibraryImport("libc", EntryPoint = "sigaddset")]
    private static partial int SigAddSet(void* set, int signal);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static partial int WaitPid(int pid, int* status, int options);

    [LibraryImport("libc", EntryPoint = "kill")]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "raise")]
    private static partial int Raise(int signal);

    /// <summary>
    /// Starts a program the way a shell would: default signal dispositions and an empty signal mask (the .NET
    /// runtime ignores SIGPIPE and that would be inherited), the terminal and stdio shared.
    /// </summary>
    public static int Spawn(string file, IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment)
    {
        var allocations = new List<nint>();
        try
        {
            byte* attr = stackalloc byte[1024];
            byte* defaults = stackalloc byte[256];
            byte* mask = stackalloc byte[256];
            SpawnAttrInit(attr);
            SigEmptySet(defaults);
            for (int s = 1; s < 32; s++) if (s != 9 && s != 19) SigAddSet(defaults, s);
            SigEmptySet(mask);
            SpawnAttrSetSigDefault(attr, defaults);
            SpawnAttrSetSigMask(attr, mask);
            SpawnAttrSetFlags(attr, PosixSpawnSetSigDef | PosixSpawnSetSigMask);
            byte** args = Strings(argv, allocations);
            byte** env = Strings(environment.Select(kv => kv.Key + "=" + kv.Value).ToList(), allocations);
            byte* path = Utf8(file, allocations);
            int pid;
            int rc = PosixSpawnP(&pid, path, null, attr, args, env);
            if (rc != 0) throw new IOException($"cannot start {file}: {Marshal.GetPInvokeErrorMessage(rc)}");
            return pid;
        }
        finally
        {
            foreach (var p in allocations) NativeMemory.Free((void*)p);
        }
    }

    /// <summary>Waits for the child; returns (exit code, or the signal number that killed it).</summary>
    public static (int ExitCode, int Signal) Wait(int pid)
    {
        int status;
        while (WaitPid(pid, &status, 0) < 0)
        {
            if (Marshal.GetLastPInvokeError() != 4) return (1, 0); // EINTR: retry
        }
        int signal = status & 0x7F;
        return signal == 0 ? ((status >> 8) & 0xFF, 0) : (128 + signal, signal);
    }

    /// <summary>Ends this process the way the child ended: killed by the same signal.</summary>
    public static void DieBySignal(int signal)
    {
        Signal(signal, 0); // SIG_DFL
        Raise(signal);
    }

    private static byte** Strings(IReadOnlyList<string> values, List<nint> allocations)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(byte*));
        allocations.Add((nint)array);
        for (int i = 0; i < values.Count; i++) array[i] = Utf8(values[i], allocations);
        return array;
    }

    private static byte* Utf8(string s, List<nint> allocations)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        var p = (byte*)NativeMemory.Alloc((nuint)n + 1);
        Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
        p[n] = 0;
        allocations.Add((nint)p);
        return p;
    }
}
