namespace EdgeGateway.Sensors.Rfid;

/// <summary>What a reader delivered for one tag, before interpretation.</summary>
/// <param name="Text">The characters as received.</param>
/// <param name="Problem">Why the read cannot be trusted (overlong, unmapped key, non-ASCII byte), or null.</param>
public readonly record struct RawTagRead(string Text, string? Problem = null);
