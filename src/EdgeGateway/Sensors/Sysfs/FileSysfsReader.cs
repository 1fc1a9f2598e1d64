using System.Text;

namespace EdgeGateway.Sensors.Sysfs;

/// <summary>Reads sysfs attributes from the file system.</summary>
public sealed class FileSysfsReader : ISysfsReader
{
    /// <summary>The one instance; it holds no state.</summary>
    public static FileSysfsReader Instance { get; } = new();

    /// <inheritdoc/>
    public async ValueTask<string> ReadTextAsync(string path, CancellationToken cancellationToken)
    {
        // sysfs reports a size of 4096 whatever the contents, and each read() runs the driver's show
        // function (a DHT or DS18B20 read happens here), so read once to the end without seeking.
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.None);
        using var text = new StreamReader(stream, Encoding.ASCII, detectEncodingFromByteOrderMarks: false, bufferSize: 4096);
        return await text.ReadToEndAsync(cancellationToken);
    }
}
