namespace EdgeGateway.Sensors;

/// <summary>
/// The outcome of reading one channel when the device answered: a value in the channel's SenML
/// unit, or a fault for an answer that is not a reading (a CRC mismatch, a malformed attribute).
/// Bus and kernel errors are exceptions.
/// </summary>
internal readonly record struct ChannelRead(double Value, string? FaultCode = null, string? FaultDetail = null)
{
    public static ChannelRead Fault(string code, string detail) => new(double.NaN, code, detail);
}
