using System.Reflection;
using System.Runtime.InteropServices;
using EdgeTrace.Benchmarks;

// Usage: Benchmarks [--quick] [--out FILE] [suite ...]
// With no suite names every suite runs. With --out the markdown sections are written to FILE
// under a header naming the machine, the date and the command.
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

var sections = new List<string>();
try
{
    foreach (var suite in selected)
    {
        Console.WriteLine($"== {suite.Name}: {suite.Description}");
        var suiteDir = Path.Combine(work, suite.Name);
        Directory.CreateDirectory(suiteDir);
        var section = await suite.RunAsync(new BenchmarkContext(quick, suiteDir), cts.Token);
        Console.WriteLine(section);
        sections.Add(section);
    }
}
finally
{
    try { Directory.Delete(work, recursive: true); } catch (IOException) { }
}

if (outFile is not null)
{
    var header = $"""
        # Benchmarks

        Produced by `{MachineInfo.CommandLine(args)}` on {DateTime.UtcNow:yyyy-MM-dd} (UTC).

        Machine: {MachineInfo.Describe()}

        Every figure is shown next to the reference it is judged against, measured in the same run:
        these machines are noisy, so compare within a table, not across runs.

        """;
    await File.WriteAllTextAsync(outFile, header + "\n" + string.Join("\n", sections));
    Console.WriteLine($"wrote {outFile}");
}
return 0;

static class MachineInfo
{
    public static string CommandLine(string[] args) =>
        "dotnet run -c Release --project tests/Benchmarks --" + (args.Length > 0 ? " " + string.Join(' ', args) : "");

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
        return $"{cpu}, {Environment.ProcessorCount} cores, {memGiB:F0} GiB, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.ProcessArchitecture}";
    }
}
