namespace EdgeGateway.Sensors.Rfid;

/// <summary>What a reader delivered for one tag, before interpretation.</summary>
/// <param name="Text">The characters as received: a tag id in hex, or with <paramref name="IsEpcUri"/> an EPC pure-identity URI.</param>
/// <param name="Problem">Why the read cannot be trusted (overlong, unmapped key, non-ASCII byte), or null.</param>
/// <param name="IsEpcUri">True when the tag stored an EPC URI (an NDEF URI record), which is taken as written if it is an SGTIN URI.</param>
public readonly record struct RawTagRead(string Text, string? Problem = null, bool IsEpcUri = false);
