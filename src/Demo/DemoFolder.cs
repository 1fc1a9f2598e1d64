namespace Demo;

/// <summary>
/// The demo's data folder: the three members' node folders, the gateways' folders, keys, logs, and
/// what the demo hands out (bundles, QR codes). A marker file tells a demo folder from anything else,
/// so that <c>--fresh</c> never deletes a folder the demo did not make.
/// </summary>
internal sealed class DemoFolder
{
    private const string MarkerName = ".edgetrace-demo";

    public DemoFolder(string path) => Path = System.IO.Path.GetFullPath(path);

    public string Path { get; }

    public string Warehouse => Combine("nodes", "warehouse");

    public string Bank => Combine("nodes", "bank");

    public string Auditor => Combine("nodes", "auditor");

    public string Keys => Combine("keys");

    public string Logs => Combine("logs");

    public string Bundles => Combine("bundles");

    public string Qr => Combine("qr");

    public string PidFile => Combine("demo.pids");

    public string OperatorApiKey => Combine("keys", "warehouse-ops.api-key");

    public string CosignerApiKey => Combine("keys", "cosigners.api-key");

    public string OwnerKey => Combine("keys", DemoRunner.Owner + ".key");

    /// <summary>The key of the party the demo endorses WR-DEMO-2 to.</summary>
    public string BuyerKey => Combine("keys", DemoRunner.Buyer + ".key");

    /// <summary>Where the demo writes its PDF condition report.</summary>
    public string Reports => Combine("reports");

    public string Gateway(string deviceId) => Combine("gateways", deviceId);

    /// <summary>The data folder of etcd member <paramref name="name"/> (<c>--members 3</c>).</summary>
    public string EtcdData(string name) => Combine("etcd", name);

    /// <summary>The etcd cluster's ports, as first made (an etcd member keeps its peers' addresses).</summary>
    public string EtcdPorts => Combine("etcd", "ports");

    /// <summary>Is there an etcd cluster here (the folder was made with <c>--members 3</c>)?</summary>
    public bool HasEtcd => Directory.Exists(Combine("etcd"));

    /// <summary>An API key <paramref name="issuer"/>'s node issued to <paramref name="holder"/> (each node's keys are its own).</summary>
    public string ApiKey(string issuer, string holder) => Combine("keys", $"{holder}@{issuer}.api-key");

    private string Marker => Combine(MarkerName);

    private string LockFile => Combine("demo.lock");

    /// <summary>Is there anything there that the demo did not make?</summary>
    public bool IsForeign => Directory.Exists(Path) && !File.Exists(Marker) && Directory.EnumerateFileSystemEntries(Path).Any();

    public bool IsNew => !File.Exists(Marker);

    /// <summary>Removes the folder (only a demo folder: the caller checked <see cref="IsForeign"/>).</summary>
    public void Delete()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }

    public void Create()
    {
        foreach (var folder in new[] { Path, Keys, Logs, Bundles, Qr, Combine("nodes"), Combine("gateways") })
        {
            Directory.CreateDirectory(folder);
        }
        if (!File.Exists(Marker))
        {
            File.WriteAllText(Marker, "This folder was made by './edgetrace demo'; './edgetrace demo --fresh' deletes and rebuilds it.\n");
        }
    }

    /// <summary>Held while a demo runs on this folder; null when another demo holds it.</summary>
    public FileStream? TryLock()
    {
        try
        {
            return new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Writes a secret readable by its owner only.</summary>
    public static void WriteSecret(string file, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var stream = new FileStream(file, options);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }

    private string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);
}
