namespace Firmware.Contracts.Tests;

public class SmokeTests
{
    [Fact]
    public void Sha256_OfEmptyString_IsKnown() =>
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([])));
}
