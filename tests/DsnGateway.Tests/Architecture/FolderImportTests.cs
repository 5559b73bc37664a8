using System.Text.RegularExpressions;

namespace DsnGateway.Tests.Architecture;

/// <summary>
/// The host's folders are its capabilities, and a capability that imports another which imports it back cannot be
/// understood, tested or replaced alone (issue 13). A folder imports another when one of its files names that folder's
/// namespace (<c>using DsnGateway.Proxy;</c> or <c>DsnGateway.Proxy.X</c>). The test finds every import cycle among the
/// folders of <c>src/DsnGateway</c> (strongly connected components of that graph) and fails on any folder in a cycle
/// that is not in <see cref="StillTangled"/>: the list records the debt as measured, may only shrink, and must be kept
/// true (a folder that left every cycle must leave the list too); it is empty now, and a new cycle fails the test.
/// </summary>
public partial class FolderImportTests
{
    /// <summary>
    /// Folders still in an import cycle. Measured first at 22faf50: one cycle of twelve. At 582e432 (branch i13-loops),
    /// once Hosting kept only the composition root (the basics every capability needs moved to Runtime), SMART scopes
    /// became a folder of their own and the in-process forwarder joined the proxy: one cycle of three (Audit,
    /// Authorization, Proxy). Then the public FHIR base and the break-glass header's name moved to Runtime's
    /// GatewayOptions, so the proxy and the audit no longer import access control or the proxy: none. Keep it empty.
    /// </summary>
    private static readonly string[] StillTangled = [];

    [GeneratedRegex(@"\bDsnGateway\.([A-Za-z0-9]+)")]
    private static partial Regex NamespaceReference();

    /// <summary>Folder → the other folders its files import.</summary>
    internal static Dictionary<string, SortedSet<string>> FolderImports()
    {
        var root = Repository.Path("src", "DsnGateway");
        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>()
            .Where(f => f is not ("bin" or "obj" or "Properties")).ToHashSet(StringComparer.Ordinal);
        return folders.ToDictionary(f => f, f => new SortedSet<string>(
            Directory.EnumerateFiles(Path.Combine(root, f), "*.cs", SearchOption.AllDirectories)
                .SelectMany(file => NamespaceReference().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))
                .Where(other => other != f && folders.Contains(other)), StringComparer.Ordinal), StringComparer.Ordinal);
    }

    /// <summary>The import cycles: Tarjan's strongly connected components with more than one folder.</summary>
    internal static List<SortedSet<string>> Cycles(Dictionary<string, SortedSet<string>> imports)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var cycles = new List<SortedSet<string>>();
        void Visit(string folder)
        {
            index[folder] = low[folder] = index.Count;
            stack.Push(folder);
            foreach (var other in imports[folder])
            {
                if (!index.ContainsKey(other)) { Visit(other); low[folder] = Math.Min(low[folder], low[other]); }
                else if (stack.Contains(other)) low[folder] = Math.Min(low[folder], index[other]);
            }
            if (low[folder] != index[folder]) return;
            var component = new SortedSet<string>(StringComparer.Ordinal);
            string member;
            do { member = stack.Pop(); component.Add(member); } while (member != folder);
            if (component.Count > 1) cycles.Add(component);
        }
        foreach (var folder in imports.Keys.Order(StringComparer.Ordinal))
            if (!index.ContainsKey(folder)) Visit(folder);
        return cycles;
    }

    [Fact]
    public void No_folder_outside_the_recorded_debt_is_in_an_import_cycle_and_the_record_is_true()
    {
        var imports = FolderImports();
        imports.Should().ContainKeys("Audit", "Hosting", "Ingestion", "Proxy");
        var tangled = Cycles(imports).SelectMany(c => c).ToHashSet(StringComparer.Ordinal);
        var mutual = imports.SelectMany(i => i.Value.Where(o => string.CompareOrdinal(i.Key, o) < 0 && imports[o].Contains(i.Key)).Select(o => $"{i.Key}↔{o}"));

        tangled.Except(StillTangled).Should().BeEmpty($"a folder joined an import cycle (mutual imports now: {string.Join(", ", mutual)})");
        StillTangled.Except(tangled).Should().BeEmpty("these folders left every cycle: take them off StillTangled so the debt cannot grow back");
    }

    [Fact]
    public void The_cycle_finder_finds_a_loop_through_three_folders_and_nothing_in_a_chain()
    {
        static SortedSet<string> Set(params string[] items) => new(items, StringComparer.Ordinal);
        var loop = new Dictionary<string, SortedSet<string>> { ["A"] = Set("B"), ["B"] = Set("C"), ["C"] = Set("A"), ["D"] = Set("A") };
        Cycles(loop).Should().ContainSingle().Which.Should().Equal("A", "B", "C");
        var chain = new Dictionary<string, SortedSet<string>> { ["A"] = Set("B"), ["B"] = Set("C"), ["C"] = Set() };
        Cycles(chain).Should().BeEmpty();
    }
}
