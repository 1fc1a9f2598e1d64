using System.Security.Cryptography;
using EdgeGateway.Keys;
using EdgeGateway.Tests.Support;
using Firmware.Contracts.Notes;

namespace EdgeGateway.Tests.Keys;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DeviceKeyFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Create_WritesAnOwnerOnlyPkcs8Key_ThatLoadsBackAsTheSameSigner()
    {
        var path = _folder.File(DeviceKeyFile.FileName);
        using var created = DeviceKeyFile.Create(path, "gw-01");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(path), StringComparison.Ordinal);

        using var loaded = DeviceKeyFile.Load(path, "gw-01");
        Assert.Equal("edgetrace/device/gw-01", loaded.KeyName);
        Assert.Equal(created.KeyId, loaded.KeyId);
        Assert.Equal(created.PublicKey.ToArray(), loaded.PublicKey.ToArray());
        var text = "edgetrace/device/gw-01\n1\nAAAA\n"u8.ToArray();
        Assert.True(created.VerifierKey.Verify(text, loaded.Sign(text)));
    }

    [Fact]
    public void Create_ExistingKey_IsNeverOverwritten()
    {
        var path = _folder.File(DeviceKeyFile.FileName);
        using (DeviceKeyFile.Create(path, "gw-01"))
        {
        }
        var before = File.ReadAllText(path);
        Assert.Throws<IOException>(() => DeviceKeyFile.Create(path, "gw-01"));
        Assert.Equal(before, File.ReadAllText(path));
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.OtherExecute)]
    public void Load_KeyAccessibleByGroupOrOthers_IsRefusedWithTheChmodThatFixesIt(UnixFileMode mode)
    {
        var path = _folder.File(DeviceKeyFile.FileName);
        using (DeviceKeyFile.Create(path, "gw-01"))
        {
        }
        File.SetUnixFileMode(path, mode);
        var e = Assert.Throws<DeviceKeyException>(() => DeviceKeyFile.Load(path, "gw-01"));
        Assert.Contains($"chmod 600 '{path}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("group or others", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OwnerReadOnlyKey_IsAccepted()
    {
        var path = _folder.File(DeviceKeyFile.FileName);
        using (DeviceKeyFile.Create(path, "gw-01"))
        {
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead);
        using var signer = DeviceKeyFile.Load(path, "gw-01");
        Assert.Equal("edgetrace/device/gw-01", signer.KeyName);
    }

    [Fact]
    public void Load_NotAKey_SaysTheFileIsNotUsable()
    {
        var path = _folder.File(DeviceKeyFile.FileName);
        File.WriteAllText(path, "not a key");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var e = Assert.Throws<DeviceKeyException>(() => DeviceKeyFile.Load(path, "gw-01"));
        Assert.Contains("not usable", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_KeyOnAnotherCurve_IsRefused()
    {
        var path = _folder.File(DeviceKeyFile.FileName);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        File.WriteAllText(path, p384.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var e = Assert.Throws<DeviceKeyException>(() => DeviceKeyFile.Load(path, "gw-01"));
        Assert.Contains("P-256", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingKey_SaysHowToCreateIt()
    {
        var e = Assert.Throws<DeviceKeyException>(() => DeviceKeyFile.Load(_folder.File("nope.pem"), "gw-01"));
        Assert.Contains("EdgeGateway init", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Signer_IsUsedThroughTheNoteSignerPort()
    {
        using var signer = DeviceKeyFile.Create(_folder.File(DeviceKeyFile.FileName), "gw-01");
        INoteSigner port = signer;
        Assert.Equal(NoteKeys.KeyIdOf(port.PublicKey.Span), port.KeyId);
    }
}
