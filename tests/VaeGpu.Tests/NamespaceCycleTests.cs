using System.Reflection;
using System.Reflection.Emit;

namespace VaeGpu.Tests;

/// <summary>
/// No two namespaces of the product depend on each other, directly or around a longer loop. The graph is
/// read from the compiled assemblies, not the source's using lines: every type a type names in its
/// signatures (base type, interfaces, fields, properties, parameters, returns, locals) and every
/// method, field and type its IL refers to, so a fully qualified name or a call through a parent
/// namespace (Runs.RunRecord written inside VaeGpu.Cli.Commands) counts as much as a using.
/// </summary>
public sealed class NamespaceCycleTests
{
    private static readonly Assembly[] Product =
    [
        typeof(VaeGpu.Kernels.KernelLaunchers).Assembly,
        typeof(UserInputException).Assembly,
        typeof(VaeGpu.Cli.Commands.CliApp).Assembly,
    ];

    [Fact]
    public void No_namespace_depends_on_itself_through_another()
    {
        Dictionary<string, HashSet<string>> graph = DependencyGraph(Evidence);
        Assert.Contains("VaeGpu.Accelerators", graph.Keys);

        List<List<string>> cycles = StronglyConnected(graph).Where(component => component.Count > 1).ToList();

        Assert.True(cycles.Count == 0, "namespace cycles: " + string.Join("; ", cycles.Select(c => Describe(c, graph))));
    }

    /// <summary>One type pair behind each edge, for the failure message: "VaeGpu.Cli.Runs.RunWriter uses VaeGpu.Cli.Commands.TrainCommand".</summary>
    private static readonly Dictionary<(string From, string To), string> Evidence = [];

    /// <summary>Every namespace reports user mistakes through it, so it must sit at the root, which uses none of them.</summary>
    [Fact]
    public void UserInputException_lives_at_the_core_root() =>
        Assert.Equal("VaeGpu", typeof(UserInputException).Namespace);

    /// <summary>Namespace → the product namespaces its types use.</summary>
    public static Dictionary<string, HashSet<string>> DependencyGraph(Dictionary<(string, string), string>? evidence = null)
    {
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (Type type in Product.SelectMany(a => a.GetTypes()))
        {
            string? from = NamespaceOf(type);
            if (from is null) continue;
            if (!graph.TryGetValue(from, out HashSet<string>? uses)) graph[from] = uses = new HashSet<string>(StringComparer.Ordinal);
            foreach (Type used in TypesUsedBy(type))
                if (NamespaceOf(used) is { } to && to != from && uses.Add(to) && evidence is not null)
                    evidence[(from, to)] = $"{Outermost(type).FullName} uses {Outermost(used).FullName}";
        }
        return graph;
    }

    /// <summary>
    /// A product type's namespace (a nested type counts as its outermost type's); null outside the product
    /// and for the compiler's own global types (&lt;PrivateImplementationDetails&gt;, which every array
    /// initializer uses, and the top-level Program, which nothing uses).
    /// </summary>
    private static string? NamespaceOf(Type type)
    {
        if (type.IsGenericParameter) return null;
        while (type.DeclaringType is not null) type = type.DeclaringType;
        if (!Product.Contains(type.Assembly) || type.Namespace is null) return null;
        return type.Namespace;
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type;
    }

    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<Type> TypesUsedBy(Type type)
    {
        var found = new List<Type>();
        void Add(Type? t)
        {
            if (t is null) return;
            if (t.HasElementType) { Add(t.GetElementType()); return; }
            if (t.IsGenericType && !t.IsGenericTypeDefinition)
                foreach (Type argument in t.GetGenericArguments()) Add(argument);
            found.Add(t.IsGenericType ? t.GetGenericTypeDefinition() : t);
        }
        Add(type.BaseType);
        foreach (Type i in type.GetInterfaces()) Add(i);
        foreach (FieldInfo f in type.GetFields(Everything)) Add(f.FieldType);
        foreach (PropertyInfo p in type.GetProperties(Everything)) Add(p.PropertyType);
        foreach (MethodBase method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            if (method is MethodInfo m) Add(m.ReturnType);
            foreach (ParameterInfo parameter in method.GetParameters()) Add(parameter.ParameterType);
            MethodBody? body = method.GetMethodBody();
            if (body is null) continue;
            foreach (LocalVariableInfo local in body.LocalVariables) Add(local.LocalType);
            foreach (Type referenced in ReferencedByIl(method)) Add(referenced);
        }
        return found;
    }

    /// <summary>The declaring types of the members and the types that the method's IL tokens name.</summary>
    private static IEnumerable<Type> ReferencedByIl(MethodBase method)
    {
        foreach ((OpCode _, MemberInfo? member) in IlTokens.Of(method))
        {
            if (member is Type t) yield return t;
            else if (member?.DeclaringType is { } declaring) yield return declaring;
            if (member is FieldInfo field) yield return field.FieldType;
        }
    }

    /// <summary>Tarjan's strongly connected components: every cycle lies within one component of two or more namespaces.</summary>
    private static List<List<string>> StronglyConnected(Dictionary<string, HashSet<string>> graph)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var components = new List<List<string>>();
        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (string next in graph.GetValueOrDefault(node) ?? [])
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], index[next]);
                }
            }
            if (low[node] != index[node]) return;
            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            } while (member != node);
            components.Add(component);
        }
        foreach (string node in graph.Keys.OrderBy(n => n, StringComparer.Ordinal))
            if (!index.ContainsKey(node)) Visit(node);
        return components;
    }

    private static string Describe(List<string> component, Dictionary<string, HashSet<string>> graph) =>
        string.Join(", ", component.OrderBy(n => n, StringComparer.Ordinal).SelectMany(from =>
            graph[from].Where(component.Contains).OrderBy(n => n, StringComparer.Ordinal)
                .Select(to => $"{from} → {to} ({Evidence.GetValueOrDefault((from, to))})")));
}
