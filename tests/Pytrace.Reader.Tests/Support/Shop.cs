namespace Pytrace.Reader.Tests.Support;

/// <summary>
/// The example run: checkout calls price, then pay, which raises; plus a few more calls. It exits with 0
/// unless RUNNING, which leaves it being recorded.
/// </summary>
public static class Shop
{
    public static void Write(string path, Action<TraceBuilder>? more = null, bool running = false)
    {
        using var b = new TraceBuilder(path);
        b.Thread(4321, 1, "MainThread");
        b.Enter("shop", "checkout", ("cart", "Cart", "Cart<3 items>"), ("user", "str", "'ann'"));   // 1
        b.Enter("shop", "price", ("item", "str", "'book'"), ("qty", "int", "2"));                  // 2
        b.Return("float", "24.0", 3_100);
        b.Enter("shop", "pay", ("amount", "float", "24.0"));                                       // 3
        b.Raise("PaymentError", "PaymentError('card declined')", 40_200);
        b.Raise("PaymentError", "PaymentError('card declined')", 104_000);
        b.Leaf("shop", "helper", "NoneType", "None", ("x", "int", "5"));                            // 4
        b.Leaf("json.decoder", "JSONDecoder.decode", "dict", "{'a': 1}", ("s", "str", "'{\"a\": 1}'"));  // 5
        b.Leaf("shop", "checkout_fast", "bool", "True", ("user", "str", "'bob'"));                 // 6
        more?.Invoke(b);
        if (!running)
            b.EndRun(0);
    }
}
