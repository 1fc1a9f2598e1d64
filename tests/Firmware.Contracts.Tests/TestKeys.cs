using Firmware.Contracts.Notes;

namespace Firmware.Contracts.Tests;

/// <summary>
/// Fixed P-256 keys for tests and spec vectors only. Generated with
/// `openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt`; the SPKI is
/// `openssl pkey -pubout -outform DER | base64` and the key ID `... | sha256sum | cut -c1-8`.
/// </summary>
internal static class TestKeys
{
    public const string AlphaPem = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgwIQP62U0yZHeaB7a
        kEeMmIkZM95cO/vfntWYl74+hsqhRANCAARsSHkQt2EQuPhBKzOur2uODW95wUsH
        e0FVSLkrcjZ4RxYI2KeGlvOx0CmuVu0KEKvdozhZT5bEXoWcWIApWxZO
        -----END PRIVATE KEY-----
        """;

    public const string AlphaSpki = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEbEh5ELdhELj4QSszrq9rjg1vecFLB3tBVUi5K3I2eEcWCNinhpbzsdAprlbtChCr3aM4WU+WxF6FnFiAKVsWTg==";
    public const uint AlphaKeyId = 0x149d5d84;

    public const string BetaPem = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg6MmCbnzMxIOAE6lk
        AIcs8Nit34wabE3EJ9w0WMhj8xahRANCAAR1/CHIs5Fygkar66zcIbUu5gJ7U5V3
        Ya44yBntiOaZRBupU1u6Aqsae7ar2H3CHncU7X2naaZVSAWaQsrfZ87u
        -----END PRIVATE KEY-----
        """;

    public const string BetaSpki = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEdfwhyLORcoJGq+us3CG1LuYCe1OVd2GuOMgZ7YjmmUQbqVNbugKrGnu2q9h9wh53FO19p2mmVUgFmkLK32fO7g==";
    public const uint BetaKeyId = 0xf815cb4c;

    public const string GammaPem = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgErKl+2F+kyBG1+Fs
        aNViOjdH2B4RDTH7zzcsfWLjSeShRANCAARrbx5n52/TWrIOY90LOvdlkRloQ/P6
        ImX+r43jOjBcs10QUPsyNBGVcs6LLtPf50/VOuw469rGzLwaEJ0wOs5e
        -----END PRIVATE KEY-----
        """;

    public const string GammaSpki = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEa28eZ+dv01qyDmPdCzr3ZZEZaEPz+iJl/q+N4zowXLNdEFD7MjQRlXLOiy7T3+dP1TrsOOvaxsy8GhCdMDrOXg==";

    public static EcdsaNoteSigner Signer(string name, string pem) => EcdsaNoteSigner.FromPkcs8Pem(name, pem);

    public static NoteVerifierKey Verifier(string name, string spki) => NoteVerifierKey.FromSpki(name, Convert.FromBase64String(spki));
}
