namespace EdgeGateway.Sensors.Sysfs;

/// <summary>
/// Maps the exceptions a sysfs read raises to fault codes. On Linux, .NET puts the kernel's errno
/// in <see cref="Exception.HResult"/> of the <see cref="IOException"/> it throws for a failed
/// read(), which is how EIO and ETIMEDOUT are told apart.
/// </summary>
internal static class SysfsErrors
{
    // Linux errno values; the same on arm, arm64 and x86-64 (asm-generic/errno*.h).
    internal const int EIO = 5;
    internal const int ENXIO = 6;
    internal const int EAGAIN = 11;
    internal const int ENODEV = 19;
    internal const int ETIMEDOUT = 110;
    internal const int EREMOTEIO = 121;

    /// <summary>The fault for an exception, or null when the exception is not a read failure.</summary>
    public static (string Code, string Detail)? Classify(Exception exception) => exception switch
    {
        FileNotFoundException or DirectoryNotFoundException =>
            (SensorFaultCodes.Missing, $"{exception.Message} The device was removed or its driver unloaded."),
        UnauthorizedAccessException =>
            (SensorFaultCodes.IoError, $"{exception.Message} The service user cannot read this attribute."),
        IOException io when Errno(io) == ETIMEDOUT =>
            (SensorFaultCodes.Timeout, $"{io.Message}; the device did not answer in time (ETIMEDOUT)."),
        IOException io when Errno(io) == ENODEV =>
            (SensorFaultCodes.Missing, $"{io.Message}; the device is gone (ENODEV)."),
        IOException io =>
            (SensorFaultCodes.IoError, $"{io.Message}{ErrnoSuffix(Errno(io))}."),
        _ => null,
    };

    /// <summary>The errno in an exception raised by a failed system call, or 0.</summary>
    public static int Errno(IOException exception) => exception.HResult is > 0 and < 4096 ? exception.HResult : 0;

    private static string ErrnoSuffix(int errno) => errno switch
    {
        0 => "",
        EIO => " (EIO)",
        ENXIO => " (ENXIO: no answer at that address)",
        EAGAIN => " (EAGAIN)",
        EREMOTEIO => " (EREMOTEIO: the device did not acknowledge)",
        _ => $" (errno {errno})",
    };
}
