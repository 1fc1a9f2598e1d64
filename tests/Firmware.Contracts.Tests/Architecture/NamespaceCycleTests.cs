using System.Text.RegularExpressions;
using Firmware.Contracts.Tests.Spec;

namespace Firmware.Contracts.Tests.Architecture;

/// <summary>
/// The namespaces under src/ depend on each other one way: no circle, however long. A unit is a
/// project's root namespace plus one segment (AnchorNode.Ledger, Firmware.Contracts.Inventory); a
/// file depends on what its <c>using</c> directives name and on the units it names in fully
/// qualified form in its code (<c>AnchorNode.Runtime.NodeRuntime</c>).
/// </summary>
public sealed partial class NamespaceCycleTests
{
    [Fact]
    public void Src_HasNoNamespaceCycle()
    {
        var graph = NamespaceGraph.Read(Path.Combine(SpecPaths.Root, "src"));
        Assert.True(graph.Units.Count > 20, $"expected the src/ tree's namespaces, found {graph.Units.Count}");
        Assert.True(graph.Cycles.Count == 0, "namespace circles in src/:\n" + string.Join("\n", graph.Cycles.Select(graph.Explain)));
    }

    [Fact]
    public void ACircle_ThroughAUsingOrAQualifiedName_IsFound()
    {
        var tree = Directory.CreateTempSubdirectory("namespace-graph-");
        try
        {
            File.WriteAllText(Path.Combine(tree.FullName, "App.csproj"), "<Project />");
            Directory.CreateDirectory(Path.Combine(tree.FullName, "A"));
            Directory.CreateDirectory(Path.Combine(tree.FullName, "B"));
            Directory.CreateDirectory(Path.Combine(tree.FullName, "C"));
            File.WriteAllText(Path.Combine(tree.FullName, "A", "X.cs"), "using App.B;\nnamespace App.A;\npublic class X { }\n");
            File.WriteAllText(Path.Combine(tree.FullName, "B", "Y.cs"), "namespace App.B;\npublic class Y { App.A.X? x; }\n");
            File.WriteAllText(Path.Combine(tree.FullName, "C", "Z.cs"), "using App.A;\nnamespace App.C;\npublic class Z { }\n");

            var graph = NamespaceGraph.Read(tree.FullName);

            var cycle = Assert.Single(graph.Cycles);
            Assert.Equal(["App.A", "App.B"], cycle);
            Assert.Contains("B/Y.cs", graph.Explain(cycle), StringComparison.Ordinal);
        }
        finally
        {
            tree.Delete(recursive: true);
        }
    }

    /// <summary>Units, their edges with the files that make them, and the strongly connected components larger than one.</summary>
    private sealed partial class NamespaceGraph
    {
        private readonly Dictionary<string, Dictionary<string, SortedSet<string>>> _edges = new(StringComparer.Ordinal);

        public IReadOnlyCollection<string> Units => _edges.Keys;

        public List<List<string>> Cycles { get; } = [];

        public static NamespaceGraph Read(string top)
        {
            var roots = Directory.EnumerateFiles(top, "*.csproj", SearchOption.AllDirectories)
                .Select(p => Path.GetFileNameWithoutExtension(p)).Distinct().OrderByDescending(r => r.Length).ToList();
            var graph = new NamespaceGraph();
            var qualified = new Regex(@"\b(" + string.Join('|', roots.Select(Regex.Escape)) + @")\.([A-Z]\w*)\.[A-Z]", RegexOptions.CultureInvariant);
            foreach (var file in Directory.EnumerateFiles(top, "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(top, file).Replace('\\', '/');
                if (relative.Split('/').Any(part => part is "bin" or "obj"))
                {
                    continue;
                }
                var text = File.ReadAllText(file);
                if (Declared().Match(text) is not { Success: true } declared || Unit(roots, declared.Groups[1].Value) is not { } source)
                {
                    continue;
                }
                graph.Edges(source);
                var code = Strings().Replace(Comments().Replace(text, ""), "\"\"");
                var named = Usings().Matches(code).Select(m => m.Groups[1].Value)
                    .Concat(qualified.Matches(code).Select(m => $"{m.Groups[1].Value}.{m.Groups[2].Value}"));
                foreach (var target in named.Select(n => Unit(roots, n)).OfType<string>().Where(t => t != source))
                {
                    graph.Edges(target);
                    if (!graph.Edges(source).TryGetValue(target, out var files))
                    {
                        graph.Edges(source)[target] = files = new SortedSet<string>(StringComparer.Ordinal);
                    }
                    files.Add(relative);
                }
            }
            graph.FindCycles();
            return graph;
        }

        public string Explain(List<string> cycle) =>
            string.Join("; ", cycle.SelectMany(from => _edges[from].Where(e => cycle.Contains(e.Key))
                .Select(e => $"{from} -> {e.Key} ({string.Join(", ", e.Value.Take(3))})")));

        // A unit: a project's root namespace plus one more segment.
        private static string? Unit(List<string> roots, string name)
        {
            foreach (var root in roots)
            {
                if (name == root)
                {
                    return root;
                }
                if (name.StartsWith(root + ".", StringComparison.Ordinal))
                {
                    return root + "." + name[(root.Length + 1)..].Split('.')[0];
                }
            }
            return null;
        }

        private Dictionary<string, SortedSet<string>> Edges(string unit)
        {
            if (!_edges.TryGetValue(unit, out var edges))
            {
                _edges[unit] = edges = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            }
            return edges;
        }

        // Tarjan's strongly connected components.
        private void FindCycles()
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var low = new Dictionary<string, int>(StringComparer.Ordinal);
            var stack = new Stack<string>();
            var onStack = new HashSet<string>(StringComparer.Ordinal);
            void Visit(string v)
            {
                index[v] = low[v] = index.Count;
                stack.Push(v);
                onStack.Add(v);
                foreach (var w in _edges[v].Keys.Order(StringComparer.Ordinal))
                {
                    if (!index.ContainsKey(w))
                    {
                        Visit(w);
                        low[v] = Math.Min(low[v], low[w]);
                    }
                    else if (onStack.Contains(w))
                    {
                        low[v] = Math.Min(low[v], index[w]);
                    }
                }
                if (low[v] == index[v])
                {
                    var component = new List<string>();
                    string w;
                    do
                    {
                        w = stack.Pop();
                        onStack.Remove(w);
                        component.Add(w);
                    }
                    while (w != v);
                    if (component.Count > 1)
                    {
                        Cycles.Add(component.Order(StringComparer.Ordinal).ToList());
                    }
                }
            }
            foreach (var unit in _edges.Keys.Order(StringComparer.Ordinal).ToList())
            {
                if (!index.ContainsKey(unit))
                {
                    Visit(unit);
                }
            }
        }

        [GeneratedRegex(@"^\s*namespace\s+([\w.]+)", RegexOptions.Multiline)]
        private static partial Regex Declared();

        [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?([\w.]+)\s*;", RegexOptions.Multiline)]
        private static partial Regex Usings();

        [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
        private static partial Regex Comments();

        [GeneratedRegex(@"@?""(?:[^""\\\n]|\\.)*""")]
        private static partial Regex Strings();
    }
}
