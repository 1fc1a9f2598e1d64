using System.Text.RegularExpressions;
using System.Xml.Linq;
using Firmware.Contracts.Tests.Spec;

namespace Firmware.Contracts.Tests.Architecture;

/// <summary>
/// The demo (src/Demo) uses the node, the gateway and the verifier only as an operator would: their
/// command lines, settings files and HTTP API. It may read the formats (Firmware.Contracts) but never
/// reaches into the programs' assemblies.
/// </summary>
public sealed partial class DemoProgramTests
{
    private static string DemoFolder => Path.Combine(SpecPaths.Root, "src", "Demo");

    [Fact]
    public void DemoProject_ReferencesNoneOfThePrograms()
    {
        var project = XDocument.Load(Path.Combine(DemoFolder, "Demo.csproj"));
        var references = project.Descendants("ProjectReference").Select(r => Path.GetFileNameWithoutExtension((string)r.Attribute("Include")!.Value.Replace('\\', '/'))).ToList();

        Assert.Equal(["Firmware.Contracts"], references);
    }

    [Fact]
    public void DemoSources_NameNoNamespaceOfThePrograms()
    {
        var files = Directory.EnumerateFiles(DemoFolder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.True(files.Count >= 5, $"expected the demo's sources in {DemoFolder}, found {files.Count}");

        var offending = files
            .SelectMany(f => ProgramNamespace().Matches(File.ReadAllText(f)).Select(m => $"{Path.GetFileName(f)}: {m.Value}"))
            .ToList();

        Assert.True(offending.Count == 0, "the demo names the programs' namespaces:\n" + string.Join("\n", offending));
    }

    [Fact]
    public void ProgramNamespacePattern_FindsAUsingAndAQualifiedName_NotAWordInAString()
    {
        Assert.Matches(ProgramNamespace(), "using AnchorNode.Runtime;");
        Assert.Matches(ProgramNamespace(), "var x = EdgeGateway.Storage.GatewayDatabase.PathIn(f);");
        Assert.DoesNotMatch(ProgramNamespace(), "ProgramName(\"demo\", \"Demo\"); // runs AnchorNode cosign");
    }

    // A namespace of one of the programs followed by a member: 'AnchorNode.Runtime', 'EdgeGateway.Storage', 'Verifier.Commands'.
    [GeneratedRegex(@"\b(?:AnchorNode|EdgeGateway|Verifier)\.[A-Z]\w*")]
    private static partial Regex ProgramNamespace();
}
