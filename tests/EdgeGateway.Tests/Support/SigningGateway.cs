using Firmware.Contracts.Notes;

namespace EdgeGateway.Tests.Support;

/// <summary>A gateway folder made by <c>init</c> with its device key loaded: the signer and the key a node enrols.</summary>
public sealed class SigningGateway : IDisposable
{
    private SigningGateway(GatewayFolder folder)
    {
        Folder = folder;
        Signer = folder.LoadSigner();
        Key = folder.VerifierKey();
    }

    public GatewayFolder Folder { get; }

    public EcdsaNoteSigner Signer { get; }

    public NoteVerifierKey Key { get; }

    public static async Task<SigningGateway> CreateAsync(string deviceId) => new(await GatewayFolder.CreateAsync(deviceId));

    public void Dispose()
    {
        Key.Dispose();
        Signer.Dispose();
        Folder.Dispose();
    }
}
