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
        // useradd/groupadd/usermod for the maintainer scripts; what the .NET runtime loads (ICU is not
        // one of them: the gateway runs with invariant globalization).
        Assert.Contains("passwd", depends);
        Assert.Contains("libstdc++6", depends);
        Assert.Contains(depends, d => d.StartsWith("libssl3", StringComparison.Ordinal));
        Assert.DoesNotContain(depends, d => d.Contains("icu", StringComparison.Ordinal) || d.Contains("dotnet", StringComparison.Ordinal));
        Assert.True(long.Parse(fields["Installed-Size"], System.Globalization.CultureInfo.InvariantCulture) > 50_000, $"Installed-Size {fields["Installed-Size"]} kB is too small for a self-contained gateway");

        var info = await package.DpkgDebAsync("-I");
        foreach (var script in new[] { "postinst", "prerm", "postrm" })
        {
            Assert.Matches($@"\s{script}\s", info);
        }
        // Nothing under /etc: no conffiles, no enabled unit, no active udev rule.
        Assert.DoesNotContain("conffiles", info, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Contents_SelfContainedGatewayCommandUnitAndRules_AllOwnedByRoot()
    {
        var entries = (await package.DpkgDebAsync("-c")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(f => f[5].Split(" -> ")[0], f => (Mode: f[0], Owner: f[1], Target: f[5].Contains(" -> ", StringComparison.Ordinal) ? f[5].Split(" -> ")[1] : null), StringComparer.Ordinal);

        Assert.All(entries, e => Assert.True(e.Value.Owner == "root/root", $"{e.Key} is owned by {e.Value.Owner}"));
        Assert.StartsWith("-rwxr-xr-x", entries["./opt/edgetrace/EdgeGateway"].Mode, StringComparison.Ordinal);
        var executables = entries.Where(e => e.Value.Mode[0] == '-' && e.Value.Mode.Contains('x', StringComparison.Ordinal)).Select(e => e.Key).Order(StringComparer.Ordinal);
        Assert.Equal(["./opt/edgetrace/EdgeGateway", "./opt/edgetrace/createdump"], executables);
        // Self-contained: the runtime is in the package, so the board needs no .NET installed.
        Assert.Contains("./opt/edgetrace/libcoreclr.so", entries.Keys);
        Assert.Contains("./opt/edgetrace/libe_sqlite3.so", entries.Keys);
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
}

[Collection(PackagesCollection.Name)]
public sealed class Arm64PackageContentsTests(Arm64Package package) : PackageContentsTests(package, Elf.Aarch64);

[Collection(PackagesCollection.Name)]
public sealed class Amd64PackageContentsTests(Amd64Package package) : PackageContentsTests(package, Elf.X86_64);
