namespace Pytrace.Storage;

/// <summary>The traces database layout; docs/schema.md explains each table, column and why there are so few indexes.</summary>
public static class Schema
{
    public const int Version = 7;

    // call_rows.packed: depth << DepthShift | kind << KindShift | end kind; the calls view and Packed share them.
    private const int DepthShift = 5, KindShift = 2, KindMask = 7, EndKindMask = 3;

    /// <summary>
    /// The table the writer inserts calls into: only stored columns. Virtual generated columns on it (parent, depth,
    /// kind, end_kind, as schema 6 had) are computed by SQLite at every INSERT too (about 600 instructions a row, 15%
    /// of an INSERT's); the <c>calls</c> view computes them only when read.
    /// </summary>
    public const string CallRows = "call_rows";

    public static readonly string Tables = $"""
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE IF NOT EXISTS runs(
            id INTEGER PRIMARY KEY, command TEXT NOT NULL, cwd TEXT, python TEXT, python_version TEXT,
            host TEXT, started_ns INTEGER NOT NULL, ended_ns INTEGER, exit_code INTEGER,
            calls INTEGER NOT NULL DEFAULT 0, dropped INTEGER NOT NULL DEFAULT 0, trimmed INTEGER NOT NULL DEFAULT 0,
            dumper_pid INTEGER);
        CREATE TABLE IF NOT EXISTS processes(
            run INTEGER NOT NULL, pid INTEGER NOT NULL, ppid INTEGER, started_ns INTEGER, ended_ns INTEGER,
            dropped INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(run, pid));
        CREATE TABLE IF NOT EXISTS threads(
            id INTEGER PRIMARY KEY, run INTEGER NOT NULL, pid INTEGER NOT NULL, tid INTEGER NOT NULL, name TEXT,
            UNIQUE(run, pid, tid));
        CREATE TABLE IF NOT EXISTS strings(id INTEGER PRIMARY KEY, text TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS strings_text ON strings(text);
        CREATE TABLE IF NOT EXISTS functions(
            id INTEGER PRIMARY KEY, module TEXT NOT NULL, name TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL,
            params TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS vals(id INTEGER PRIMARY KEY, type INTEGER NOT NULL, text TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS vals_prefix ON vals({ValuePrefix("text")});
        CREATE TABLE IF NOT EXISTS call_rows(
            id INTEGER PRIMARY KEY, parent_gap INTEGER, thread INTEGER NOT NULL, packed INTEGER NOT NULL,
            start INTEGER NOT NULL, duration INTEGER, function INTEGER NOT NULL, result INTEGER, args TEXT);
        CREATE INDEX IF NOT EXISTS calls_exceptions ON call_rows(id) WHERE {IsException("packed")};
        CREATE VIEW IF NOT EXISTS calls AS
            SELECT id, id - parent_gap AS parent, thread, packed >> {DepthShift} AS depth, start, duration, function,
                   (packed >> {KindShift}) & {KindMask} AS kind, packed & {EndKindMask} AS end_kind, result, args, parent_gap, packed
            FROM call_rows;
        CREATE TABLE IF NOT EXISTS drops(
            run INTEGER NOT NULL, pid INTEGER NOT NULL, time_ns INTEGER NOT NULL, count INTEGER NOT NULL,
            reason INTEGER NOT NULL DEFAULT 0, tid INTEGER, ended_ns INTEGER);
        CREATE TABLE IF NOT EXISTS errors(run INTEGER NOT NULL, pid INTEGER NOT NULL, time_ns INTEGER NOT NULL, message TEXT NOT NULL);
        """;

    /// <summary>
    /// The calls and their arguments as text, for people and tools querying the file with sqlite3: the tables are
    /// laid out for the writer (ids, interned values), these read like the trace.
    /// </summary>
    public const string Views = """
        CREATE VIEW IF NOT EXISTS call_view AS
            SELECT c.id, c.parent, t.run, t.pid, t.tid, c.depth, e.epoch + c.start AS start_ns, e.epoch + c.start + c.duration AS end_ns,
                   f.module, f.name, f.file, f.line, c.kind, c.end_kind, rt.text AS result_type, rv.text AS result
            FROM (SELECT CAST(value AS INTEGER) AS epoch FROM meta WHERE key = 'epoch_ns') e
            CROSS JOIN calls c JOIN threads t ON t.id = c.thread JOIN functions f ON f.id = c.function
            LEFT JOIN vals rv ON rv.id = c.result LEFT JOIN strings rt ON rt.id = rv.type;
        CREATE VIEW IF NOT EXISTS arg_view AS
            SELECT c.id AS call, a.key AS pos, coalesce(json_extract(f.params, '$[' || a.key || ']'), '?') AS name,
                   s.text AS type, v.text AS value
            FROM calls c JOIN functions f ON f.id = c.function JOIN json_each(c.args) a
            JOIN vals v ON v.id = CAST(a.value AS INTEGER) JOIN strings s ON s.id = v.type;
        """;

    /// <summary>
    /// meta keys of the id counters: a run reserves blocks of call ids and of ids for the interned tables (strings,
    /// functions, threads, vals share one counter), so that the dumper gives ids out itself, and two runs appending to
    /// one file at once never collide.
    /// </summary>
    public const string NextCallId = "next_call_id", NextNameId = "next_name_id";

    /// <summary>
    /// meta key of the file's epoch, ns since the Unix epoch: <c>calls.start</c> counts from it, which takes 4 to 6
    /// bytes a row where the time since 1970 takes 8.
    /// </summary>
    public const string EpochNs = "epoch_ns";

    /// <summary>
    /// The stored <c>call_rows.packed</c> of a row: depth, kind and end kind in one integer (the calls view's
    /// <c>depth</c>, <c>kind</c>, <c>end_kind</c> read them back), one or two bytes where three columns took three to four.
    /// </summary>
    public static long Packed(long depth, int kind, int endKind) => depth << DepthShift | (long)kind << KindShift | (long)endKind;

    /// <summary>
    /// SQL true when the call whose <c>packed</c> column is PACKED ended by an exception, in the form the partial index
    /// calls_exceptions is declared with: SQLite uses that index only for this expression, not for the view's end_kind.
    /// </summary>
    public static string IsException(string packed) => $"({packed} & {EndKindMask}) = {EndKind.Exception}";

    /// <summary>SQL setting the end kind of a row's <c>packed</c> to the parameter PARAMETER.</summary>
    public static string SetEndKind(string parameter) => $"packed = (packed & ~{EndKindMask}) | {parameter}";

    /// <summary>
    /// vals is indexed on the first ValuePrefixLength characters of its text, not the whole of it: the texts are most
    /// of a value's bytes, and a full second copy of them was a third of some traces (pygments' token tuples). A
    /// lookup compares this prefix first (<c>ValuePrefix("v.text") = ValuePrefix(@p)</c>) so that SQLite searches it.
    /// </summary>
    public const int ValuePrefixLength = 16;

    /// <summary>The indexed expression of vals for its text column COLUMN.</summary>
    public static string ValuePrefix(string column) => $"substr({column}, 1, {ValuePrefixLength})";

    public static class CallKind
    {
        /// <summary>
        /// Class: a class statement's body running (`class Cart:`), recorded as a call without arguments. CFunction:
        /// a call of a built-in or extension function (`len`, `time.sleep`), with --c-calls only; no arguments, no result.
        /// </summary>
        public const int Call = 0, Resume = 1, Log = 2, Class = 3, CFunction = 4;
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
