using System.IO.Ports;

namespace EdgeGateway.Sensors.Rfid;

/// <summary>
/// Serial ports as the RFID readers use them: opened through System.IO.Ports in raw mode, 8N1,
/// without flow control, and read with cancellation (a port whose far end went away ends the
/// session like an unplugged device).
/// </summary>
internal static class SerialPorts
{
    /// <summary>
    /// Opens <paramref name="path"/> at <paramref name="baudRate"/>, 8N1, no handshake, and drops what
    /// arrived before (half a line, mangled by the line discipline). A missing device is a
    /// <see cref="FileNotFoundException"/>; any other failure an <see cref="IOException"/> naming the port.
    /// </summary>
    public static SerialPort OpenRaw(string path, int baudRate)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"cannot open {path}: No such file or directory", path);
        var port = new SerialPort(path, baudRate, Parity.None, 8, StopBits.One)
        {
            Handshake = Handshake.None,
            DtrEnable = false,
            RtsEnable = false,
        };
        try
        {
            port.Open();
            port.DiscardInBuffer();
            return port;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            port.Dispose();
            throw ex is IOException io
                ? new IOException($"cannot open {path} as a serial port: {io.Message}", io.HResult)
                : new IOException($"cannot open {path} as a serial port: {ex.Message}", ex);
        }
    }

    /// <summary>Reads what is available, waiting for at least one byte; 0 when the port closed or its far end went away.</summary>
    public static int Read(SerialPort port, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            return port.BaseStream.ReadAsync(buffer, cancellationToken).AsTask().GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // The port was closed under the read.
            return 0;
        }
    }
}
