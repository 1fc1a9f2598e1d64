using EdgeGateway.Tests.Support;
using Packaging.Tests.Support;

namespace Packaging.Tests.Deb;

/// <summary>
/// The arm64 package installed, reinstalled, removed and purged by the real dpkg into a scratch root
/// (<c>dpkg --root R --force-script-chrootless</c>: the maintainer scripts run here with DPKG_ROOT=R and
/// change only R), which has the groups of Raspberry Pi OS except spi. Then the installed gateway runs
/// under emulation.
/// </summary>
[Collection(PackagesCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class MaintainerScriptTests(Arm64Package package)
{
    [Fact]
    public async Task InstallReinstallRemovePurge_UserAndDataFolder_EnableNothingAndKeepDataUntilPurge()
    {
        var root = package.Scratch("dpkg-root");
        Write(root, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
        Write(root, "etc/shadow", "root:*:19000:0:99999:7:::\n");
        Write(root, "etc/group", "root:x:0:\ndialout:x:20:\ninput:x:101:\ngpio:x:997:\ni2c:x:998:\n");
        Write(root, "etc/gshadow", "root:*::\ndialout:*::\ninput:!::\ngpio:!::\ni2c:!::\n");
        Write(root, "var/lib/dpkg/status", "");
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/info"));
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/updates"));
        await DpkgAsync(root, "--add-architecture", package.Architecture);

        await DpkgAsync(root, "--force-depends", "-i", package.DebPath);

        var user = Lines(root, "etc/passwd").Single(l => l.StartsWith("edgetrace:", StringComparison.Ordinal)).Split(':');
        Assert.True(int.Parse(user[2], System.Globalization.CultureInfo.InvariantCulture) < 1000, $"edgetrace has uid {user[2]}, not a system uid");
        Assert.Equal(("/var/lib/edgetrace", "/usr/sbin/nologin"), (user[5], user[6]));
        var groups = Lines(root, "etc/group").Select(l => l.Split(':')).ToDictionary(g => g[0], g => g, StringComparer.Ordinal);
        Assert.Equal(user[3], groups["edgetrace"][2]);
        foreach (var name in new[] { "dialout", "input", "gpio", "i2c" })
        {
            Assert.True(groups[name][3].Split(',').Contains("edgetrace"), $"edgetrace is not in group {name}: {string.Join(':', groups[name])}");
        }
        Assert.False(groups.ContainsKey("spi"), "the postinst created group spi, which this system does not have");
        var data = Path.Combine(root, "var/lib/edgetrace");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute,
            File.GetUnixFileMode(data));
        Assert.Equal(user[2], (await RunAsync("stat", ["-c", "%u", data])).Trim());
        Assert.False(Directory.Exists(Path.Combine(root, "etc/systemd")), "the package enabled something");
        Assert.Contains("Status: install ok installed", await DpkgAsync(root, "-s", "edgetrace-gateway"), StringComparison.Ordinal);

        // The installed program runs (under emulation here) and says which version it is.
        var (program, args) = Arm64Emulator.Command(Path.Combine(root, "opt/edgetrace/EdgeGateway"), "--version");
        Assert.StartsWith(package.Version + "+", (await RunAsync(program, args)).Trim(), StringComparison.Ordinal);

        // A reinstall (postinst configure with the old version, as on an upgrade) keeps the data and adds no second user.
        File.WriteAllText(Path.Combine(data, "device-key.pem"), "the device's key\n");
        await DpkgAsync(root, "--force-depends", "-i", package.DebPath);
        Assert.Single(Lines(root, "etc/passwd"), l => l.StartsWith("edgetrace:", StringComparison.Ordinal));
        Assert.Equal("the device's key\n", File.ReadAllText(Path.Combine(data, "device-key.pem")));

        await DpkgAsync(root, "-r", "edgetrace-gateway");
        Assert.False(File.Exists(Path.Combine(root, "opt/edgetrace/EdgeGateway")), "remove left the program");
        Assert.Equal("the device's key\n", File.ReadAllText(Path.Combine(data, "device-key.pem")));
        Assert.Contains(Lines(root, "etc/passwd"), l => l.StartsWith("edgetrace:", StringComparison.Ordinal));

        // What `systemctl enable` would have left; purge must not leave it pointing at nothing.
        var wants = Directory.CreateDirectory(Path.Combine(root, "etc/systemd/system/multi-user.target.wants")).FullName;
        File.CreateSymbolicLink(Path.Combine(wants, "edgetrace-gateway.service"), "/lib/systemd/system/edgetrace-gateway.service");
        await DpkgAsync(root, "-P", "edgetrace-gateway");
        Assert.False(Directory.Exists(data), "purge kept /var/lib/edgetrace");
        Assert.Empty(Directory.EnumerateFileSystemEntries(wants));
        Assert.Contains("no packages found matching edgetrace-gateway", await RunAsync("dpkg-query", ["--root", root, "-W", "edgetrace-gateway"], expectedExit: 1), StringComparison.Ordinal);
    }

    private static Task<string> DpkgAsync(string root, params string[] args) =>
        RunAsync("dpkg", ["--root", root, "--force-script-chrootless", .. args]);

    private static async Task<string> RunAsync(string program, string[] args, int expectedExit = 0)
    {
        var run = await Processes.RunAsync(program, args);
        Assert.True(run.Exit == expectedExit, $"{program} {string.Join(' ', args)} exited {run.Exit}:\n{run.Stdout}\n{run.Stderr}");
        return run.Stdout + run.Stderr;
    }

    private static void Write(string root, string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static string[] Lines(string root, string relative) => File.ReadAllLines(Path.Combine(root, relative));
}
