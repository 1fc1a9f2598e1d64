using AnchorNode.Configuration;

namespace AnchorNode.Hosting;

/// <summary>
/// Opens, before the node starts serving, every file its settings name: the member key and the
/// signing guard in the data folder, and each certificate and key file the Kestrel settings name
/// (<c>appsettings.json</c> or <c>Kestrel__…</c> variables). A missing or unreadable one stops the
/// start (exit 2) with the setting and the path, instead of a node that starts and fails later.
/// </summary>
public static class StartupFiles
{
    /// <summary>Checks the files; throws naming the first that cannot be opened.</summary>
    /// <exception cref="InvalidDataException">When a file cannot be opened; the message names the setting and the path.</exception>
    public static void Check(DataFolder folder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(configuration);
        Open("member.key (the member's private key)", folder.KeyFile, FileAccess.Read);
        if (Path.Exists(folder.GuardFile))
        {
            Open("checkpoint-guard (the last checkpoint this key signed)", folder.GuardFile, FileAccess.ReadWrite);
        }
        foreach (var (setting, path) in CertificateFiles(configuration))
        {
            Open(setting, Path.Combine(folder.Path, path), FileAccess.Read);
        }
    }

    /// <summary>The certificate and key files the Kestrel settings name, with the setting's key.</summary>
    public static IEnumerable<(string Setting, string Path)> CertificateFiles(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var kestrel = configuration.GetSection("Kestrel");
        var certificates = kestrel.GetSection("Certificates").GetChildren().Select(c => c)
            .Concat(kestrel.GetSection("Endpoints").GetChildren().Select(e => e.GetSection("Certificate")));
        foreach (var certificate in certificates)
        {
            foreach (var name in new[] { "Path", "KeyPath" })
            {
                var setting = certificate.GetSection(name);
                if (!string.IsNullOrEmpty(setting.Value))
                {
                    yield return (setting.Path, setting.Value);
                }
            }
        }
    }

    private static void Open(string setting, string path, FileAccess access)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, access, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{setting}: {path} cannot be opened ({e.Message}); fix the setting or the file, then start again", e);
        }
    }
}
