using System.Runtime.InteropServices;

namespace Packaging.Tests.Support;

/// <summary>
/// Runs arm64 programs here: natively on an arm64 machine, otherwise under Debian's qemu-user
/// (<c>qemu-aarch64-static -L /</c>, with the arm64 libraries from multiarch under /). When the
/// emulator or a library is missing the test fails, saying what to install; it never passes without it.
/// </summary>
public static class Arm64Emulator
{
    public const string Install =
        "as root: dpkg --add-architecture arm64 && apt-get update && apt-get install qemu-user-static libc6:arm64 libstdc++6:arm64 libssl3:arm64 (./test.sh does this when run as root)";

    // What a self-contained .NET program for linux-arm64 loads: the dynamic loader, libstdc++ for
    // the runtime, OpenSSL for System.Security.Cryptography (the device key is ECDSA P-256).
    private static readonly string[] Arm64Libraries =
    [
        "/lib/ld-linux-aarch64.so.1",
        "/usr/lib/aarch64-linux-gnu/libc.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libssl.so.3",
    ];

    private static readonly Lazy<string?> Qemu = new(FindQemu);

    public static bool Native => RuntimeInformation.OSArchitecture == Architecture.Arm64;

    /// <summary>The program and arguments that run <paramref name="binary"/> (an arm64 ELF) with <paramref name="args"/>.</summary>
    public static (string Program, string[] Args) Command(string binary, params string[] args)
    {
        if (Native)
        {
            return (binary, args);
        }
        var missing = Arm64Libraries.Where(l => !File.Exists(l)).ToList();
        if (Qemu.Value is null)
        {
            missing.Insert(0, "qemu-aarch64-static");
        }
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"cannot run arm64 programs here: missing {string.Join(", ", missing)}; install them {Install}");
        }
        return (Qemu.Value!, ["-L", "/", binary, .. args]);
    }

    private static string? FindQemu()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin")
            .Select(d => Path.Combine(d, "qemu-aarch64-static"))
            .FirstOrDefault(File.Exists);
    }
}
