namespace EdgeGateway.Tests.Support;

/// <summary>A fresh folder under the system temp folder, deleted afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder(string prefix = "edgegateway-test-") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process the test started may still be closing a file; the OS cleans temp eventually.
        }
    }
}
