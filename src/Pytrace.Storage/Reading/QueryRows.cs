using System.Text;
using Pytrace.Storage.Native;

namespace Pytrace.Storage;

/// <summary>The rows of one query, read forward once; the statement is finalized on dispose.</summary>
public sealed unsafe class QueryRows : IDisposable
{
    private readonly ReadConnection _connection;
    private nint _statement;
    private bool _done;
    private static readonly byte[] NonNull = [0];

    internal QueryRows(ReadConnection connection, nint statement)
    {
        _connection = connection;
        _statement = statement;
    }

    /// <summary>Binds NAME (with its @) if the statement has it: long, int, bool, double, string or null.</summary>
    public QueryRows Set(string name, object? value)
    {
        int index = SqliteNative.ParameterIndex(_statement, name);
        if (index == 0) return this;
        switch (value)
        {
            case null: SqliteNative.BindNull(_statement, index); break;
            case long l: SqliteNative.BindInt64(_statement, index, l); break;
            case int i: SqliteNative.BindInt64(_statement, index, i); break;
            case bool b: SqliteNative.BindInt64(_statement, index, b ? 1 : 0); break;
            case double d: SqliteNative.BindDouble(_statement, index, d); break;
            case string s:
                var utf8 = Encoding.UTF8.GetBytes(s);
                // An empty array pins to a null pointer, which SQLite would bind as NULL rather than ''.
                fixed (byte* p = utf8.Length == 0 ? NonNull : utf8)
                    SqliteNative.BindText(_statement, index, p, utf8.Length, SqliteNative.Transient);
                break;
            default: throw new ArgumentException($"cannot bind a {value.GetType().Name} to {name}");
        }
        return this;
    }

    /// <summary>Steps to the next row; false at the end.</summary>
    public bool Read()
    {
        if (_done) return false;
        int rc = SqliteNative.Step(_statement);
        if (rc == SqliteNative.ROW) return true;
        _done = true;
        if (rc != SqliteNative.DONE) throw _connection.Failure(rc);
        return false;
    }

    public int ColumnCount => SqliteNative.ColumnCount(_statement);

    public bool IsNull(int column) => SqliteNative.ColumnType(_statement, column) == SqliteNative.NULL_TYPE;

    public long Long(int column) => SqliteNative.ColumnInt64(_statement, column);

    public int Int(int column) => (int)SqliteNative.ColumnInt64(_statement, column);

    public long? LongOrNull(int column) => IsNull(column) ? null : Long(column);

    /// <summary>The column as text; NULL reads as the empty string.</summary>
    public string Text(int column)
    {
        byte* text = SqliteNative.ColumnText(_statement, column);
        return text == null ? "" : Encoding.UTF8.GetString(text, SqliteNative.ColumnBytes(_statement, column));
    }

    public string? TextOrNull(int column) => IsNull(column) ? null : Text(column);

    /// <summary>The column as SQLite typed it: long, double, string, or null.</summary>
    public object? Value(int column) => SqliteNative.ColumnType(_statement, column) switch
    {
        SqliteNative.NULL_TYPE => null,
        SqliteNative.INTEGER_TYPE => Long(column),
        SqliteNative.FLOAT_TYPE => SqliteNative.ColumnDouble(_statement, column),
        _ => Text(column),
    };

    public void Dispose()
    {
        if (_statement == 0) return;
        SqliteNative.Finalize(_statement);
        _statement = 0;
    }
}
