namespace Pytrace.Storage;

/// <summary>
/// A call's arguments as stored in <c>calls.args</c>: a JSON array of the arguments' value ids in declaration order,
/// each written between spaces, <c>[ 12 , 345 ]</c>. Any SQLite with JSON reads one by position (<c>args ->> 1</c>),
/// and <c>instr(args, Pattern(id)) &gt; 0</c> finds an array holding ID: the spaces make the pattern match whole ids only.
/// NULL when the call has no arguments.
/// </summary>
public static class ArgsColumn
{
    /// <summary>Bytes <see cref="Write"/> needs at most for COUNT ids.</summary>
    public static int MaxLength(int count) => 2 + count * 22;

    /// <summary>Writes the array of IDS into DESTINATION (ASCII) and returns its length.</summary>
    public static int Write(ReadOnlySpan<long> ids, Span<byte> destination)
    {
        int at = 0;
        destination[at++] = (byte)'[';
        for (int i = 0; i < ids.Length; i++)
        {
            if (i > 0) destination[at++] = (byte)',';
            destination[at++] = (byte)' ';
            at += WriteDigits(ids[i], destination[at..]);
            destination[at++] = (byte)' ';
        }
        destination[at++] = (byte)']';
        return at;
    }

    public static string Encode(ReadOnlySpan<long> ids)
    {
        var buffer = new byte[MaxLength(ids.Length)];
        return System.Text.Encoding.ASCII.GetString(buffer, 0, Write(ids, buffer));
    }

    /// <summary>The value ids of a stored array, in order; empty for NULL.</summary>
    public static List<long> Decode(string? column)
    {
        var ids = new List<long>();
        if (column is null) return ids;
        long id = 0;
        bool inNumber = false;
        foreach (char c in column)
        {
            if (c is >= '0' and <= '9')
            {
                id = id * 10 + (c - '0');
                inNumber = true;
            }
            else if (inNumber)
            {
                ids.Add(id);
                id = 0;
                inNumber = false;
            }
        }
        return ids;
    }

    /// <summary>The text for <c>instr(args, pattern) &gt; 0</c>: true exactly for the arrays holding ID.</summary>
    public static string Pattern(long id) => $" {id} ";

    private static int WriteDigits(long id, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        int digits = 1;
        for (long rest = id / 10; rest > 0; rest /= 10) digits++;
        long value = id;
        for (int i = digits - 1; i >= 0; i--, value /= 10) destination[i] = (byte)('0' + value % 10);
        return digits;
    }
}
