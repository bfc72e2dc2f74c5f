namespace Pytrace.Storage;

/// <summary>The traces database layout; docs/schema.md explains each table and index.</summary>
public static class Schema
{
    public const int Version = 2;

    public const string Tables = """
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE IF NOT EXISTS runs(
            id INTEGER PRIMARY KEY, command TEXT NOT NULL, cwd TEXT, python TEXT, python_version TEXT,
            host TEXT, started_ns INTEGER NOT NULL, ended_ns INTEGER, exit_code INTEGER,
            calls INTEGER NOT NULL DEFAULT 0, dropped INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS processes(
            run INTEGER NOT NULL, pid INTEGER NOT NULL, ppid INTEGER, started_ns INTEGER, ended_ns INTEGER,
            dropped INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(run, pid));
        CREATE TABLE IF NOT EXISTS threads(
            run INTEGER NOT NULL, pid INTEGER NOT NULL, tid INTEGER NOT NULL, name TEXT,
            PRIMARY KEY(run, pid, tid));
        CREATE TABLE IF NOT EXISTS strings(id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
        CREATE TABLE IF NOT EXISTS functions(
            id INTEGER PRIMARY KEY, module TEXT NOT NULL, name TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL,
            UNIQUE(module, name, file, line));
        CREATE TABLE IF NOT EXISTS calls(
            id INTEGER PRIMARY KEY, parent INTEGER, run INTEGER NOT NULL, pid INTEGER NOT NULL, tid INTEGER NOT NULL,
            depth INTEGER NOT NULL, start_ns INTEGER NOT NULL, end_ns INTEGER, function INTEGER NOT NULL,
            kind INTEGER NOT NULL, end_kind INTEGER NOT NULL, result_type INTEGER, result TEXT);
        CREATE TABLE IF NOT EXISTS args(
            call INTEGER NOT NULL, pos INTEGER NOT NULL, name INTEGER NOT NULL, type INTEGER NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY(call, pos)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS drops(
            run INTEGER NOT NULL, pid INTEGER NOT NULL, time_ns INTEGER NOT NULL, count INTEGER NOT NULL,
            reason INTEGER NOT NULL DEFAULT 0, tid INTEGER, ended_ns INTEGER);
        CREATE TABLE IF NOT EXISTS errors(run INTEGER NOT NULL, pid INTEGER NOT NULL, time_ns INTEGER NOT NULL, message TEXT NOT NULL);
        """;

    /// <summary>Built after the bulk insert of a run (maintaining them during it costs 5-10x).</summary>
    public const string Indexes = """
        CREATE INDEX IF NOT EXISTS calls_function ON calls(function);
        CREATE INDEX IF NOT EXISTS calls_start ON calls(start_ns);
        CREATE INDEX IF NOT EXISTS calls_thread ON calls(pid, tid);
        CREATE INDEX IF NOT EXISTS calls_parent ON calls(parent);
        CREATE INDEX IF NOT EXISTS calls_exceptions ON calls(id) WHERE end_kind = 3;
        CREATE INDEX IF NOT EXISTS args_value ON args(value);
        CREATE INDEX IF NOT EXISTS args_name_value ON args(name, value);
        CREATE INDEX IF NOT EXISTS args_type ON args(type);
        """;

    public static class CallKind
    {
        public const int Call = 0, Resume = 1, Log = 2;
    }

    /// <summary>Why a drops row has nothing recorded: the ring was full (count records lost), or another profiler held the hook.</summary>
    public static class DropReason
    {
        public const int RingFull = 0, HookTaken = 1;
    }

    public static class EndKind
    {
        public const int Unfinished = 0, Return = 1, Yield = 2, Exception = 3;
    }
}
