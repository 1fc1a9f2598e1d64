using EdgeGateway.Tests.Support;
using Packaging.Tests.Support;

namespace Packaging.Tests.Deb;

/// <summary>
/// What packaging/build-deb.sh puts in a package, read back with dpkg-deb (-f, -I, -c) and from the
/// unpacked tree: the control data, the self-contained gateway for the package's architecture, the
/// command, the unit and rules from hardware/, and nothing that would enable or configure anything.
/// </summary>
public abstract class PackageContentsTests(BuiltPackage package, ushort elfMachine)
{
    [Fact]
    public async Task ControlData_NamesPackageVersionArchitectureAndRuntimeDependencies()
    {
        Assert.Equal($"edgetrace-gateway_{package.Version}_{package.Architecture}.deb", Path.GetFileName(package.DebPath));
        var fields = (await package.DpkgDebAsync("-f")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith(' '))
            .Select(l => l.Split(": ", 2))
            .ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);

        Assert.Equal("edgetrace-gateway", fields["Package"]);
        Assert.Equal(package.Version, fields["Version"]);
        Assert.Equal(package.Architecture, fields["Architecture"]);
        var depends = fields["Depends"].Split(", ");
        // useradd/groupadd/usermod for the maintainer scripts; OpenSSL, which the gateway loads when the
        // device key signs; and the package of every library a native file of the package names (ICU is
        // none of them: the gateway runs with invariant globalization).
        Assert.Contains("passwd", depends);
        Assert.Contains(depends, d => d.StartsWith("libssl3", StringComparison.Ordinal));
        foreach (var (file, library) in NeededLibraries())
        {
            var debian = DebianPackageOf(library);
            Assert.True(depends.Contains(debian, StringComparer.Ordinal), $"{file} needs {library}, from {debian}, which Depends ({fields["Depends"]}) does not name");
        }
        Assert.DoesNotContain(depends, d => d.Contains("icu", StringComparison.Ordinal) || d.Contains("dotnet", StringComparison.Ordinal));
        // Installed-Size is what the package's files take, in kB (as du counts them).
        var installedKb = long.Parse(fields["Installed-Size"], System.Globalization.CultureInfo.InvariantCulture);
        var du = await Processes.RunAsync("du", ["-sk", "--exclude=DEBIAN", package.Root]);
        var treeKb = long.Parse(du.Stdout.Split('\t')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(installedKb - treeKb) <= treeKb / 50, $"Installed-Size {installedKb} kB, but the files take {treeKb} kB");
        Assert.True(installedKb * 1024 > new FileInfo(package.Gateway).Length, $"Installed-Size {installedKb} kB is less than the gateway program alone");

        var info = await package.DpkgDebAsync("-I");
        foreach (var script in new[] { "postinst", "prerm", "postrm" })
        {
            Assert.Matches($@"\s{script}\s", info);
        }
        // Nothing under /etc: no conffiles, no enabled unit, no active udev rule.
        Assert.DoesNotContain("conffiles", info, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Contents_NativeGatewayCommandUnitAndRules_AllOwnedByRoot()
    {
        var entries = (await package.DpkgDebAsync("-c")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(f => f[5].Split(" -> ")[0], f => (Mode: f[0], Owner: f[1], Target: f[5].Contains(" -> ", StringComparison.Ordinal) ? f[5].Split(" -> ")[1] : null), StringComparer.Ordinal);

        Assert.All(entries, e => Assert.True(e.Value.Owner == "root/root", $"{e.Key} is owned by {e.Value.Owner}"));
        Assert.StartsWith("-rwxr-xr-x", entries["./opt/edgetrace/EdgeGateway"].Mode, StringComparison.Ordinal);
        var executables = entries.Where(e => e.Value.Mode[0] == '-' && e.Value.Mode.Contains('x', StringComparison.Ordinal)).Select(e => e.Key).Order(StringComparer.Ordinal);
        Assert.Equal(["./opt/edgetrace/EdgeGateway"], executables);
        // Compiled ahead of time: one program and the two native libraries it loads (SQLite, the serial
        // ports), no .NET runtime and no assemblies to compile on the board.
        Assert.Equal(["./opt/edgetrace/EdgeGateway", "./opt/edgetrace/libSystem.IO.Ports.Native.so", "./opt/edgetrace/libe_sqlite3.so"],
            entries.Keys.Where(e => e.StartsWith("./opt/edgetrace/", StringComparison.Ordinal) && !e.EndsWith('/')).Order(StringComparer.Ordinal));
        Assert.Equal("/opt/edgetrace/EdgeGateway", entries["./usr/bin/edgetrace-gateway"].Target);
        Assert.Contains("./lib/systemd/system/edgetrace-gateway.service", entries.Keys);
        Assert.Contains("./usr/share/edgetrace-gateway/udev/99-edgetrace-rfid.rules", entries.Keys);
        Assert.Contains("./usr/share/doc/edgetrace-gateway/copyright", entries.Keys);
        Assert.Contains("./usr/share/doc/edgetrace-gateway/README.Debian", entries.Keys);
        // /var/lib/edgetrace is the postinst's, so that dpkg never removes it with the package.
        Assert.DoesNotContain(entries.Keys, e => e.StartsWith("./etc/", StringComparison.Ordinal) || e.StartsWith("./var/", StringComparison.Ordinal));
        Assert.DoesNotContain(entries.Keys, e => e.Contains("/runtimes/", StringComparison.Ordinal) || e.EndsWith(".pdb", StringComparison.Ordinal));
    }

    [Fact]
    public void UnitAndRules_AreThoseOfHardware()
    {
        Assert.Equal(File.ReadAllBytes(Processes.InRepository("hardware/systemd/edgetrace-gateway.service")),
            File.ReadAllBytes(Path.Combine(package.Root, "lib/systemd/system/edgetrace-gateway.service")));
        Assert.Equal(File.ReadAllBytes(Processes.InRepository("hardware/udev/99-edgetrace-rfid.rules")),
            File.ReadAllBytes(Path.Combine(package.Root, "usr/share/edgetrace-gateway/udev/99-edgetrace-rfid.rules")));
    }

    [Fact]
    public void EveryNativeFile_IsBuiltForThePackagesArchitecture()
    {
        var elves = Directory.EnumerateFiles(Path.Combine(package.Root, "opt/edgetrace"), "*", SearchOption.AllDirectories)
            .Select(f => (Path: Path.GetRelativePath(package.Root, f), Machine: Elf.Machine(f)))
            .Where(f => f.Machine is not null)
            .ToList();

        Assert.Contains(elves, e => e.Path == "opt/edgetrace/EdgeGateway");
        Assert.Contains(elves, e => e.Path == "opt/edgetrace/libe_sqlite3.so");
        Assert.All(elves, e => Assert.True(e.Machine == elfMachine, $"{e.Path} is for ELF machine {e.Machine}, not {elfMachine}"));
    }

    [Fact]
    public void Gateway_IsNativeCode_LinkedOnlyAgainstTheCLibrary()
    {
        // A JIT build would name libstdc++ and load libcoreclr; the native program needs the C library alone.
        var needed = Elf.Needed(package.Gateway);

        Assert.Contains("libc.so.6", needed);
        Assert.All(needed, library => Assert.Equal("libc6", DebianPackageOf(library)));
    }

    private IEnumerable<(string File, string Library)> NeededLibraries() =>
        Directory.EnumerateFiles(Path.Combine(package.Root, "opt/edgetrace"), "*", SearchOption.AllDirectories)
            .Where(f => Elf.Machine(f) is not null)
            .SelectMany(f => Elf.Needed(f).Select(library => (Path.GetRelativePath(package.Root, f), library)));

    /// <summary>The Debian package that provides a shared library the package's files name.</summary>
    private static string DebianPackageOf(string library) => library switch
    {
        "libc.so.6" or "libm.so.6" or "libdl.so.2" or "libpthread.so.0" or "librt.so.1"
            or "ld-linux-aarch64.so.1" or "ld-linux-x86-64.so.2" => "libc6",
        "libgcc_s.so.1" => "libgcc-s1",
        "libstdc++.so.6" => "libstdc++6",
        "libz.so.1" => "zlib1g",
        _ => $"(no known package for {library})",
    };
}

[Collection(PackagesCollection.Name)]
public sealed class Arm64PackageContentsTests(Arm64Package package) : PackageContentsTests(package, Elf.Aarch64);

[Collection(PackagesCollection.Name)]
public sealed class Amd64PackageContentsTests(Amd64Package package) : PackageContentsTests(package, Elf.X86_64);
