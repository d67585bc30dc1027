using Mono.Cecil;

namespace Provisioner.Tests.Architecture;

/// <summary>One type of the code under test, as the rules see it (nested and compiler-generated types are folded into their declaring type).</summary>
/// <param name="Folder">The first namespace segment below the root (<c>Jobs</c> for <c>Provisioner.Functions.Jobs</c>); <see cref="CodeModel.Root"/> for the root namespace.</param>
/// <param name="ConstructorParameters">The most parameters any of its instance constructors takes.</param>
/// <param name="References">The full names of the types it refers to (signatures, attributes and method bodies).</param>
public sealed record TypeInfo(string FullName, string Folder, bool IsPublic, bool IsRecord, int ConstructorParameters, IReadOnlySet<string> References);

/// <summary>
/// Reads a compiled assembly with Mono.Cecil (what NetArchTest reads too) into <see cref="TypeInfo"/>s
/// and the folder graph between them. The rules (<see cref="ArchitectureRules"/>) work on this
/// model, so their own tests can feed them a deliberately broken one.
/// </summary>
public sealed class CodeModel
{
    public const string Root = "Root";

    private CodeModel(string rootNamespace, IReadOnlyList<TypeInfo> types)
    {
        RootNamespace = rootNamespace;
        Types = types;
    }

    public string RootNamespace { get; }

    public IReadOnlyList<TypeInfo> Types { get; }

    /// <summary>The types of <paramref name="assemblyPath"/> in <paramref name="rootNamespace"/> and below.</summary>
    public static CodeModel Read(string assemblyPath, string rootNamespace)
    {
        using var assembly = AssemblyDefinition.ReadAssembly(assemblyPath);
        var types = new List<TypeInfo>();
        foreach (var type in assembly.MainModule.Types)
        {
            if (type.Namespace != rootNamespace && !type.Namespace.StartsWith(rootNamespace + ".", StringComparison.Ordinal))
            {
                continue;
            }

            if (IsCompilerGenerated(type))
            {
                continue; // <PrivateImplementationDetails>, generated regex holders and the like
            }

            var references = new HashSet<string>(StringComparer.Ordinal);
            var constructorParameters = 0;
            foreach (var t in WithNested(type))
            {
                Collect(t, references);
                if (!IsCompilerGenerated(t) && t == type)
                {
                    constructorParameters = t.Methods.Where(m => m.IsConstructor && !m.IsStatic).Select(m => m.Parameters.Count).DefaultIfEmpty(0).Max();
                }
            }

            references.Remove(type.FullName);
            types.Add(new TypeInfo(type.FullName, FolderOf(type.Namespace, rootNamespace), type.IsPublic, IsRecord(type), constructorParameters, references));
        }

        return new CodeModel(rootNamespace, types);
    }

    /// <summary>The folder of a namespace below <see cref="RootNamespace"/>; null for a namespace outside it.</summary>
    public string? FolderOfNamespace(string ns) =>
        ns == RootNamespace || ns.StartsWith(RootNamespace + ".", StringComparison.Ordinal) ? FolderOf(ns, RootNamespace) : null;

    /// <summary>Folder → the folders it refers to, each edge with the type references that make it.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> FolderGraph()
    {
        var folderOf = Types.ToDictionary(t => t.FullName, t => t.Folder, StringComparer.Ordinal);
        var graph = new SortedDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>(StringComparer.Ordinal);
        foreach (var group in Types.GroupBy(t => t.Folder))
        {
            var edges = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var (target, why) in group
                .SelectMany(t => t.References.Where(folderOf.ContainsKey).Select(r => (From: t.FullName, To: r)))
                .Where(r => folderOf[r.To] != group.Key)
                .GroupBy(r => folderOf[r.To])
                .Select(g => (g.Key, (IReadOnlyList<string>)[.. g.Select(r => $"{r.From} → {r.To}").Distinct().Order(StringComparer.Ordinal)])))
            {
                edges[target] = why;
            }

            graph[group.Key] = edges;
        }

        return graph;
    }

    private static string FolderOf(string ns, string rootNamespace) =>
        ns == rootNamespace ? Root : ns[(rootNamespace.Length + 1)..].Split('.')[0];

    private static bool IsRecord(TypeDefinition type) => type.Methods.Any(m => m.Name == "<Clone>$");

    private static bool IsCompilerGenerated(TypeDefinition type) =>
        type.Name.StartsWith('<') || type.CustomAttributes.Any(a => a.AttributeType.FullName == "System.Runtime.CompilerServices.CompilerGeneratedAttribute");

    private static IEnumerable<TypeDefinition> WithNested(TypeDefinition type)
    {
        yield return type;
        foreach (var nested in type.NestedTypes.SelectMany(WithNested))
        {
            yield return nested;
        }
    }

    private static void Collect(TypeDefinition type, HashSet<string> into)
    {
        Add(type.BaseType, into);
        foreach (var i in type.Interfaces)
        {
            Add(i.InterfaceType, into);
        }

        Attributes(type.CustomAttributes, into);
        foreach (var p in type.GenericParameters)
        {
            foreach (var c in p.Constraints)
            {
                Add(c.ConstraintType, into);
            }
        }

        foreach (var f in type.Fields)
        {
            Add(f.FieldType, into);
            Attributes(f.CustomAttributes, into);
        }

        foreach (var p in type.Properties)
        {
            Add(p.PropertyType, into);
            Attributes(p.CustomAttributes, into);
        }

        foreach (var e in type.Events)
        {
            Add(e.EventType, into);
        }

        foreach (var m in type.Methods)
        {
            Method(m, into);
            Attributes(m.CustomAttributes, into);
            foreach (var p in m.Parameters)
            {
                Attributes(p.CustomAttributes, into);
            }

            if (!m.HasBody)
            {
                continue;
            }

            foreach (var v in m.Body.Variables)
            {
                Add(v.VariableType, into);
            }

            foreach (var handler in m.Body.ExceptionHandlers)
            {
                Add(handler.CatchType, into);
            }

            foreach (var instruction in m.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t:
                        Add(t, into);
                        break;
                    case MethodReference r:
                        Add(r.DeclaringType, into);
                        Method(r, into);
                        break;
                    case FieldReference f:
                        Add(f.DeclaringType, into);
                        Add(f.FieldType, into);
                        break;
                }
            }
        }
    }

    private static void Method(MethodReference method, HashSet<string> into)
    {
        Add(method.ReturnType, into);
        foreach (var p in method.Parameters)
        {
            Add(p.ParameterType, into);
        }

        if (method is GenericInstanceMethod generic)
        {
            foreach (var a in generic.GenericArguments)
            {
                Add(a, into);
            }
        }
    }

    private static void Attributes(IEnumerable<CustomAttribute> attributes, HashSet<string> into)
    {
        foreach (var a in attributes)
        {
            Add(a.AttributeType, into);
            foreach (var argument in a.ConstructorArguments.Concat(a.Properties.Select(p => p.Argument)).Concat(a.Fields.Select(f => f.Argument)))
            {
                if (argument.Value is TypeReference t)
                {
                    Add(t, into);
                }
            }
        }
    }

    private static void Add(TypeReference? type, HashSet<string> into)
    {
        switch (type)
        {
            case null or GenericParameter:
                return;
            case GenericInstanceType generic:
                Add(generic.ElementType, into);
                foreach (var a in generic.GenericArguments)
                {
                    Add(a, into);
                }

                return;
            case TypeSpecification specification: // arrays, by-ref, pointers, modifiers
                Add(specification.ElementType, into);
                return;
        }

        // A nested type counts as its outermost declaring type (the rules speak of top-level types).
        var outer = type;
        while (outer.DeclaringType is not null)
        {
            outer = outer.DeclaringType;
        }

        into.Add(outer.FullName);
    }
}
