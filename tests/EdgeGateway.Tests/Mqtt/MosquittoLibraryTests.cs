using EdgeGateway.Mqtt;
using EdgeGateway.Mqtt.Native;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>Finding libmosquitto, and the one clear error when it is missing.</summary>
public sealed class MosquittoLibraryTests
{
    [Fact]
    public void Load_MissingLibrary_SaysHowToInstallIt()
    {
        var error = Assert.Throws<MqttUnavailableException>(() => MosquittoLibrary.Load(["libmosquitto-missing.so.1"]));

        Assert.Contains("'libmosquitto-missing.so.1' was not found", error.Message, StringComparison.Ordinal);
        Assert.Contains("sudo apt-get install libmosquitto1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SomeOtherLibrary_IsNotMistakenForLibmosquitto()
    {
        var error = Assert.Throws<MqttUnavailableException>(() => MosquittoLibrary.Load(["libc.so.6"]));

        Assert.Contains("'libc.so.6' loaded but is not libmosquitto", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FirstCandidateMissing_FallsBackToTheNext()
    {
        var (handle, version) = MosquittoLibrary.Load(["libmosquitto-missing.so.1", "libmosquitto.so.1"]);

        Assert.NotEqual(0, handle);
        Assert.True(version >= MosquittoLibrary.MinimumVersion, version.ToString());
    }

    [Fact]
    public void Load_DefaultCandidates_FindTheInstalledLibrary()
    {
        var (_, version) = MosquittoLibrary.Load(MosquittoLibrary.DefaultCandidates);

        Assert.Equal(2, version.Major);
    }

    [Fact]
    public async Task ClientInAProcessWithoutTheLibrary_FailsAtStartWithTheInstallHint()
    {
        await using var probe = WillProbeProcess.Start(
            "--library", "libmosquitto-missing.so.1", "--host", "127.0.0.1", "--port", "1883", "--client-id", "x",
            "--will-topic", "t", "--will-payload", "p");

        var exitCode = await probe.WaitForExitAsync(MqttTestSupport.WaitLimit);

        Assert.Equal(3, exitCode);
        Assert.Contains("sudo apt-get install libmosquitto1", probe.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("DllNotFoundException", probe.Stderr, StringComparison.Ordinal);
    }
}
