namespace Pytrace.Reader.Tests.Support;

/// <summary>
/// A run that calls pytrace.log(): records at top level and inside a call (the last one closes it), with fields,
/// a message with a quote, a message that is not a str, and a traced function that happens to be named log.
/// </summary>
public static class LoggingShop
{
    public static void Write(string path)
    {
        using var b = new TraceBuilder(path);
        b.Thread(4321, 1, "MainThread");
        b.Log("app", 3, ("str", "'starting'"));                                                                   // 1
        b.Enter("shop", "checkout", ("user", "str", "'ann'"));                                                      // 2
        b.Log("shop", 12, ("str", "'checkout started'"), ("user", "str", "'ann'"), ("total", "float", "24.0"));    // 3
        b.Leaf("shop", "price", "float", "24.0", ("item", "str", "'book'"));                                        // 4
        b.Log("shop", 15, ("str", "\"it's paid\""), ("ids", "list", "[1, 2]"));                                    // 5
        b.Return("bool", "True");
        b.Log("app", 5, ("int", "42"));                                                                             // 6
        b.Leaf("mathutil", "log", "float", "0.0", ("x", "int", "1"));                                               // 7
    }
}
