using System.Globalization;

namespace EdgeTrace.Benchmarks.Node;

/// <summary>What Linux says about a process in /proc.</summary>
internal static class ProcFs
{
    /// <summary>CPU seconds the process has used (user + system).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of /proc/PID/stat (utime, stime), in clock ticks of 1/100 s.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>A size field of /proc/PID/status (e.g. <c>VmRSS:</c>), in MiB.</summary>
    public static double StatusMib(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }
}
