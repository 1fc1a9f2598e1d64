namespace EdgeGateway.Sensors.Rfid;

/// <summary>Whether a reader's device is open, for status output.</summary>
/// <param name="IsOpen">The device is open and being read.</param>
/// <param name="Detail">Why it is not open (or what was opened).</param>
public sealed record RfidReaderState(bool IsOpen, string Detail);
