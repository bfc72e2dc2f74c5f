using System.Runtime.InteropServices;
using System.Text;
using Pytrace.Generator.Interop;
using Pytrace.Records;

namespace Pytrace.Generator.Tracing;

/// <summary>
/// Interns types: an id and a definition record per type, and how the formatter treats its values. Classes (heap
/// types) are held by a weak reference whose callback forgets them, so a program that makes and drops classes keeps
/// them collectable; static types live forever anyway. Nothing here runs the program's code: types are recognised by
/// identity, never by name, and names are read through type's own getters.
/// </summary>
internal static unsafe class TypeRegistry
{
    private static NativeMap<TypeInfo> s_types;
    /// <summary>Weak reference address to the class it watches.</summary>
    private static NativeMap<nint> s_watched;
    private static uint s_nextId = 1;
    private static nint s_forget;
    /// <summary>Weak references whose class died, released at the next definition (not inside their own callback).</summary>
    private static nint* s_deadRefs;
    private static int s_deadCount, s_deadCapacity;
    /// <summary>A class changed more often than this keeps its last classification (3.12+ stop versioning such a class anyway).</summary>
    private const int MaxReclassifications = 16;

    public static TypeInfo* Get(nint type)
    {
        TypeInfo* info = s_types.Find(type);
        return info != null ? info : Define(type);
    }

    /// <summary>The type's entry if it has one already; null otherwise (nothing is defined).</summary>
    public static TypeInfo* Find(nint type) => s_types.Find(type);

    private static TypeInfo* Define(nint type)
    {
        ReleaseDeadRefs();
        TypeInfo* info = s_types.Add(type);
        info->Id = s_nextId++;
        Classify(type, info);

        string qualName = Py.TypeQualName(type) ?? Py.ShortTypeName(type);
        string? module = Py.TypeModule(type);
        string fullName = module is null or "builtins" ? qualName : module + "." + qualName;
        info->FullName = Py.Utf8Z(fullName);
        info->FullNameLength = Encoding.UTF8.GetByteCount(fullName);
        if (Ascii.IsValid(fullName))
        {
            info->OpaquePrefix = Py.Utf8Z("<" + fullName + " object at 0x");
            info->OpaquePrefixLength = fullName.Length + 14;
        }

        int capacity = 16 + Encoding.UTF8.GetByteCount(qualName) + info->FullNameLength;
        byte* buffer = (byte*)NativeMemory.Alloc((nuint)capacity);
        var b = new RecordBuilder(buffer, capacity, RecordKind.TypeDef);
        b.U32(info->Id);
        b.Utf8(Encoding.UTF8.GetBytes(qualName));
        b.Utf8(info->FullName, info->FullNameLength);
        info->DefinitionLength = b.Finish();
        info->Definition = buffer;
        Hold(type);
        return info;
    }

    /// <summary>How the formatter treats the type's values, and the version of the class that was told.</summary>
    public static void Classify(nint type, TypeInfo* info)
    {
        Py.TypeCacheLookup(type, LibraryTypes.ReprKey);
        info->Kind = TypeClassifier.Classify(type, info);
        info->VersionTag = Py.TypeVersion(type);
    }

    /// <summary>
    /// Classifies again a class changed since its entry was made. A class is often first seen while it is being
    /// built, before its repr is final: a dataclass by its decorator, an enum's members by its metaclass.
    /// </summary>
    public static void Refresh(nint type, TypeInfo* info)
    {
        if (info->Reclassifications == MaxReclassifications) return;
        info->Reclassifications++;
        ReleaseKindData(info);
        Classify(type, info);
    }

    private static void ReleaseKindData(TypeInfo* info)
    {
        NativeMemory.Free(info->ReprName);
        for (int i = 0; i < info->FieldCount; i++) Py.DecRef(info->Fields[i]);
        NativeMemory.Free(info->Fields);
        info->ReprName = null;
        info->Fields = null;
        info->FieldCount = 0;
        info->ValueReprType = 0;
    }

    /// <summary>Keeps the type's address from being reused while it is registered: a static type by a reference, a class by a watch.</summary>
    private static void Hold(nint type)
    {
        if (!Py.IsHeapType(type)) { Py.IncRef(type); return; }
        if (s_forget == 0)
            s_forget = Py.CFunctionNew(Py.MethodDef("_pytrace_type_gone", (delegate* unmanaged<nint, nint, nint>)&Forget, Py.MethO), 0, 0);
        nint weakref = Py.WeakrefNewRef(type, s_forget);
        if (weakref == 0)
        {
            Py.ErrClear();
            Py.IncRef(type); // not weakly referenceable: kept, as before
            return;
        }
        *s_watched.Add(weakref) = type;
    }

    [UnmanagedCallersOnly]
    private static nint Forget(nint self, nint weakref)
    {
        try
        {
            ForgetWatched(weakref);
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        return Py.NewNone();
    }

    private static void ForgetWatched(nint weakref)
    {
        nint* type = s_watched.Find(weakref);
        if (type != null)
        {
            TypeInfo* info = s_types.Find(*type);
            if (info != null)
            {
                NativeMemory.Free(info->FullName);
                NativeMemory.Free(info->OpaquePrefix);
                NativeMemory.Free(info->Definition);
                ReleaseKindData(info);
                s_types.Remove(*type);
            }
            s_watched.Remove(weakref);
            DeferRelease(weakref);
        }
    }

    private static void DeferRelease(nint weakref)
    {
        if (s_deadCount == s_deadCapacity)
        {
            s_deadCapacity = Math.Max(64, s_deadCapacity * 2);
            s_deadRefs = (nint*)NativeMemory.Realloc(s_deadRefs, (nuint)(s_deadCapacity * sizeof(nint)));
        }
        s_deadRefs[s_deadCount++] = weakref;
    }

    private static void ReleaseDeadRefs()
    {
        while (s_deadCount > 0) Py.DecRef(s_deadRefs[--s_deadCount]);
    }
}
