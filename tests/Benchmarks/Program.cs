using System.Reflection;
using System.Runtime.InteropServices;
using EdgeTrace.Benchmarks;

// Usage: Benchmarks [--quick] [--out FILE] [suite ...]   (normally through ./bench.sh)
// With no suite names every suite runs. With --out each suite's section replaces its old one in FILE;
// sections of suites that did not run are kept.
var quick = args.Contains("--quick");
string? outFile = null;
var names = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--quick") continue;
    if (args[i] == "--out" && i + 1 < args.Length) { outFile = args[++i]; continue; }
    names.Add(args[i]);
}

var suites = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmarkSuite).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmarkSuite)Activator.CreateInstance(t)!)
    .OrderBy(s => s.Name, StringComparer.Ordinal)
    .ToList();

if (names.Contains("--list") || names.Contains("--help"))
{
    foreach (var s in suites) Console.WriteLine($"{s.Name,-12} {s.Description}");
    return 0;
}

var unknown = names.Where(n => suites.All(s => s.Name != n)).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"unknown suite(s): {string.Join(", ", unknown)}; known: {string.Join(", ", suites.Select(s => s.Name))}");
    return 2;
}

var selected = names.Count == 0 ? suites : suites.Where(s => names.Contains(s.Name)).ToList();
var work = Path.Combine(Path.GetTempPath(), "edgetrace-bench-" + Environment.ProcessId);
Directory.CreateDirectory(work);
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };

var sections = new Dictionary<string, string>(StringComparer.Ordinal);
try
{
    foreach (var suite in selected)
    {
        Console.WriteLine($"== {suite.Name}: {suite.Description}");
        var suiteDir = Path.Combine(work, suite.Name);
        Directory.CreateDirectory(suiteDir);
        var section = await suite.RunAsync(new BenchmarkContext(quick, suiteDir), cts.Token);
        var stamped = $"<!-- suite:{suite.Name} -->\n{section.TrimEnd()}\n\n"
            + $"_Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC with `./bench.sh {suite.Name}{(quick ? " --quick" : "")}` on {MachineInfo.Describe()}._\n";
        Console.WriteLine(stamped);
        sections[suite.Name] = stamped;
    }
}
finally
{
    try { Directory.Delete(work, recursive: true); } catch (IOException) { }
}

if (outFile is not null)
{
    // Sections of suites that did not run this time are kept, each with its own date and command.
    var existing = File.Exists(outFile) ? MarkdownSections.Read(await File.ReadAllTextAsync(outFile)) : new Dictionary<string, string>(StringComparer.Ordinal);
    foreach (var (name, text) in sections) existing[name] = text;
    var header = """
        # Benchmarks

        Produced by `./bench.sh` (all suites) or `./bench.sh SUITE...` (`./bench.sh --list` names them).
        Every figure is shown next to the reference it is judged against, measured in the same run:
        these machines are noisy, so compare within a table, not across tables or runs.

        """;
    var body = string.Join("\n", existing.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value));
    await File.WriteAllTextAsync(outFile, header + "\n" + body);
    Console.WriteLine($"wrote {outFile}");
}
return 0;

static class MarkdownSections
{
    public static Dictionary<string, string> Read(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        const string marker = "<!-- suite:";
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        while (at >= 0)
        {
            var next = text.IndexOf(marker, at + marker.Length, StringComparison.Ordinal);
            var chunk = next < 0 ? text[at..] : text[at..next];
            var name = chunk[marker.Length..chunk.IndexOf(" -->", StringComparison.Ordinal)];
            result[name] = chunk.TrimEnd() + "\n";
            at = next;
        }
        return result;
    }
}

static class MachineInfo
{
    public static string Describe()
    {
        var cpu = "unknown CPU";
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) cpu = line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        var memGiB = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return $"{cpu}, {Environment.ProcessorCount} cores, {memGiB:F0} GiB, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}";
    }
}
