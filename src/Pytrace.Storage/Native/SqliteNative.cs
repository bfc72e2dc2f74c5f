using System.Runtime.InteropServices;

namespace Pytrace.Storage.Native;

/// <summary>
/// The SQLite C API, declared on raw handles against the e_sqlite3 library that SQLitePCLRaw ships. The writer
/// binds a dozen values per call: SafeHandle reference counting and the GC transition of ordinary P/Invokes were
/// a third of its time. Calls that neither block nor call back into managed code skip the GC transition.
/// </summary>
internal static unsafe partial class SqliteNative
{
    private const string Library = "e_sqlite3";

    public const int OK = 0, BUSY = 5, LOCKED = 6, INTERRUPT = 9, CANTOPEN = 14, ROW = 100, DONE = 101;
    public const int OPEN_READONLY = 0x1, OPEN_READWRITE = 0x2, OPEN_NOMUTEX = 0x8000;
    public const int INTEGER_TYPE = 1, FLOAT_TYPE = 2, TEXT_TYPE = 3, NULL_TYPE = 5;
    public const int UTF8 = 1, DETERMINISTIC = 0x800;

    /// <summary>SQLITE_STATIC: the bound bytes stay valid and unchanged until the statement is reset.</summary>
    public static readonly nint Static = 0;
    /// <summary>SQLITE_TRANSIENT: SQLite copies the bytes before the bind returns.</summary>
    public static readonly nint Transient = -1;

    [LibraryImport(Library, EntryPoint = "sqlite3_open_v2", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, out nint db, int flags, nint vfs);

    [LibraryImport(Library, EntryPoint = "sqlite3_close_v2")]
    public static partial int Close(nint db);

    [LibraryImport(Library, EntryPoint = "sqlite3_exec", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Exec(nint db, string sql, nint callback, nint argument, nint error);

    [LibraryImport(Library, EntryPoint = "sqlite3_prepare_v2", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Prepare(nint db, string sql, int length, out nint statement, nint tail);

    [LibraryImport(Library, EntryPoint = "sqlite3_busy_timeout")]
    public static partial int BusyTimeout(nint db, int milliseconds);

    [LibraryImport(Library, EntryPoint = "sqlite3_finalize")]
    public static partial int Finalize(nint statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_step")]
    public static partial int Step(nint statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_reset"), SuppressGCTransition]
    public static partial int Reset(nint statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_int64"), SuppressGCTransition]
    public static partial int BindInt64(nint statement, int index, long value);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_null"), SuppressGCTransition]
    public static partial int BindNull(nint statement, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_text"), SuppressGCTransition]
    public static partial int BindText(nint statement, int index, byte* text, int length, nint destructor);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_double"), SuppressGCTransition]
    public static partial int BindDouble(nint statement, int index, double value);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_parameter_index", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ParameterIndex(nint statement, string name);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_type"), SuppressGCTransition]
    public static partial int ColumnType(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_int64"), SuppressGCTransition]
    public static partial long ColumnInt64(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_count"), SuppressGCTransition]
    public static partial int ColumnCount(nint statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_double"), SuppressGCTransition]
    public static partial double ColumnDouble(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_text"), SuppressGCTransition]
    public static partial byte* ColumnText(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_bytes"), SuppressGCTransition]
    public static partial int ColumnBytes(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_interrupt")]
    public static partial void Interrupt(nint db);

    [LibraryImport(Library, EntryPoint = "sqlite3_create_function_v2", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int CreateFunction(nint db, string name, int arguments, int flags, nint userData,
        delegate* unmanaged[Cdecl]<nint, int, nint*, void> function, nint step, nint final, nint destroy);

    [LibraryImport(Library, EntryPoint = "sqlite3_user_data")]
    public static partial nint UserData(nint context);

    [LibraryImport(Library, EntryPoint = "sqlite3_value_text")]
    public static partial byte* ValueText(nint value);

    [LibraryImport(Library, EntryPoint = "sqlite3_value_bytes")]
    public static partial int ValueBytes(nint value);

    [LibraryImport(Library, EntryPoint = "sqlite3_result_int")]
    public static partial void ResultInt(nint context, int value);

    [LibraryImport(Library, EntryPoint = "sqlite3_result_null")]
    public static partial void ResultNull(nint context);

    [LibraryImport(Library, EntryPoint = "sqlite3_last_insert_rowid"), SuppressGCTransition]
    public static partial long LastInsertRowId(nint db);

    [LibraryImport(Library, EntryPoint = "sqlite3_errmsg")]
    public static partial nint ErrorMessage(nint db);

    [LibraryImport(Library, EntryPoint = "sqlite3_errstr")]
    public static partial nint ErrorString(int code);

    public static string Message(nint db) => Marshal.PtrToStringUTF8(ErrorMessage(db)) ?? "unknown SQLite error";

    public static string Describe(int code) => Marshal.PtrToStringUTF8(ErrorString(code)) ?? $"SQLite error {code}";
}
