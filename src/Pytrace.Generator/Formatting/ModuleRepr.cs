using Pytrace.Generator.Interop;

namespace Pytrace.Generator.Formatting;

/// <summary>
/// repr() of a module as importlib writes it (&lt;module 'json' from '/usr/lib/json/__init__.py'&gt;,
/// &lt;module 'sys' (built-in)&gt;), read from the module's and its spec's dictionaries instead of calling importlib.
/// </summary>
internal static unsafe class ModuleRepr
{
    public static void Format(ref ValueText w, nint module)
    {
        nint dict = *(nint*)(module + 16); // PyModuleObject.md_dict
        if (dict == 0 || Py.TypeOf(dict) != Py.DictType) { w.Ascii("<module '?'>"u8); return; }
        nint name = Py.DictItem(dict, "__name__"u8);
        nint spec = Py.DictItem(dict, "__spec__"u8);
        nint specDict = spec != 0 && spec != Py.None ? Py.GetAttr(spec, "__dict__"u8) : 0;
        w.Ascii("<module "u8);
        if (specDict != 0 && Py.TypeOf(specDict) == Py.DictType)
        {
            nint specName = Py.DictItem(specDict, "name"u8);
            Name(ref w, specName != 0 ? specName : name);
            nint origin = Py.DictItem(specDict, "origin"u8);
            if (origin != 0 && Py.TypeOf(origin) == Py.UnicodeType)
            {
                if (Py.DictItem(specDict, "_set_fileattr"u8) == Py.True) { w.Ascii(" from "u8); ScalarFormatter.Str(ref w, origin); }
                else { w.Ascii(" ("u8); ScalarFormatter.CopyStr(ref w, origin); w.Ascii((byte)')'); }
            }
            else if (Py.DictItem(specDict, "loader"u8) is var loader && loader != 0 && loader != Py.None)
            {
                // Before 3.10 built-in and frozen modules have no origin; their importers name them.
                string? importer = Py.TypeOf(loader) == Py.TypeType ? Py.TypeQualName(loader) : null;
                w.Ascii(importer switch { "BuiltinImporter" => " (built-in)"u8, "FrozenImporter" => " (frozen)"u8, _ => " (namespace)"u8 });
            }
        }
        else
        {
            Name(ref w, name);
            nint file = Py.DictItem(dict, "__file__"u8);
            if (file != 0 && Py.TypeOf(file) == Py.UnicodeType) { w.Ascii(" from "u8); ScalarFormatter.Str(ref w, file); }
        }
        w.Ascii((byte)'>');
        Py.DecRef(specDict);
    }

    private static void Name(ref ValueText w, nint name)
    {
        if (name != 0 && Py.TypeOf(name) == Py.UnicodeType) ScalarFormatter.Str(ref w, name);
        else w.Ascii("'?'"u8);
    }
}
