using System.Security.Cryptography;
using System.Text;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;
using EdgeGateway.Storage;

namespace EdgeGateway.Keys;

/// <summary>
/// The device key as a PKCS#8 PEM file readable by its owner only. This is one adapter behind
/// <see cref="INoteSigner"/>: everything that signs (the checkpoint sealer) sees only the port, so a
/// secure element (ATECC608) or a PKCS#11 token can take the file's place without other changes.
/// </summary>
public static class DeviceKeyFile
{
    /// <summary>The key file's name in the data folder.</summary>
    public const string FileName = "device-key.pem";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// Generates a P-256 key and writes it to <paramref name="path"/> with mode 0600, durably
    /// (file and folder synced). Never overwrites: an existing key is the device's identity.
    /// </summary>
    /// <param name="path">Where to write the key.</param>
    /// <param name="deviceId">The device whose key it is (names the key in signature lines).</param>
    /// <param name="key">A freshly generated P-256 key to store (taken over), or null to generate one.</param>
    /// <exception cref="IOException">When the file exists or cannot be written.</exception>
    public static EcdsaNoteSigner Create(string path, string deviceId, ECDsa? key = null)
    {
        var signer = key is null ? EcdsaNoteSigner.Generate(DeviceLogs.Origin(deviceId)) : new EcdsaNoteSigner(DeviceLogs.Origin(deviceId), key);
        try
        {
            var pem = Encoding.ASCII.GetBytes(signer.ExportPkcs8Pem());
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
            };
            if (!OperatingSystem.IsWindows())
            {
                // Created with 0600 from the start: there is no moment when the key is readable by others.
                options.UnixCreateMode = OwnerOnly;
            }
            using (var stream = new FileStream(path, options))
            {
                stream.Write(pem);
                stream.Flush(flushToDisk: true);
            }
            DirectorySync.Sync(Path.GetDirectoryName(Path.GetFullPath(path))!);
            return signer;
        }
        catch
        {
            signer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads the key at <paramref name="path"/> after checking that neither group nor others can
    /// read or write it.
    /// </summary>
    /// <exception cref="DeviceKeyException">When the file is missing, too open, or not a P-256 PKCS#8 key.</exception>
    public static EcdsaNoteSigner Load(string path, string deviceId)
    {
        CheckPermissions(path);
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DeviceKeyException($"cannot read the device key {path}: {e.Message}");
        }
        try
        {
            return EcdsaNoteSigner.FromPkcs8Pem(DeviceLogs.Origin(deviceId), pem);
        }
        catch (ArgumentException e)
        {
            throw new DeviceKeyException($"the device key {path} is not usable: {e.Message}");
        }
    }

    /// <summary>Refuses a key file that group or others may read or write.</summary>
    /// <exception cref="DeviceKeyException">With the <c>chmod</c> that fixes it.</exception>
    public static void CheckPermissions(string path)
    {
        if (!File.Exists(path))
        {
            throw new DeviceKeyException($"the device key {path} does not exist; create the data folder with `{EdgeTrace.CommandLine.Programs.Gateway} init --data DIR`");
        }
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOthers) != 0)
        {
            throw new DeviceKeyException(
                $"the device key {path} is accessible by group or others (mode {Octal(mode)}); the gateway refuses to use it. " +
                $"Fix: chmod 600 '{path}' (and consider a new key if others may have read it)");
        }
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
}

/// <summary>The device key cannot be used; the message says why and what to do.</summary>
public sealed class DeviceKeyException(string message) : Exception(message);
