namespace EdgeGateway.Sensors.Sysfs;

/// <summary>
/// Reads one sysfs attribute. A seam so that tests can make a read fail the way the kernel does
/// (EIO, ETIMEDOUT), which a regular file in a fake tree cannot.
/// </summary>
public interface ISysfsReader
{
    /// <summary>
    /// The attribute's contents. Failures surface as the exceptions .NET raises for the kernel's
    /// errno: <see cref="FileNotFoundException"/>/<see cref="DirectoryNotFoundException"/> when it is
    /// gone, <see cref="IOException"/> with <see cref="Exception.HResult"/> = errno otherwise.
    /// </summary>
    ValueTask<string> ReadTextAsync(string path, CancellationToken cancellationToken);
}
