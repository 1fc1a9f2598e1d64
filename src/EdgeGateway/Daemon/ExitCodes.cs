namespace EdgeGateway.Daemon;

/// <summary>The gateway's exit codes (a service manager can keep 2 and 3 from restart loops).</summary>
public static class ExitCodes
{
    /// <summary>Done, or stopped cleanly.</summary>
    public const int Ok = 0;

    /// <summary>A runtime failure (e.g. the database kept failing); restarting may help.</summary>
    public const int Failure = 1;

    /// <summary>Bad arguments or configuration, or an unusable key file: the message names the field.</summary>
    public const int Usage = 2;

    /// <summary>The stored log does not match what the device signed: the gateway will not extend it.</summary>
    public const int Integrity = 3;
}
