using System.Text;

namespace EdgeGateway.Sensors.Rfid;

/// <summary>
/// Splits a serial reader's byte stream into tag reads: one per line, ended by CR, LF or CRLF.
/// Readers that frame each id as STX … ETX (0x02 … 0x03) without a line end are handled too: STX
/// starts a read afresh and ETX ends it.
/// </summary>
public sealed class SerialLineDecoder(int maxLength = 128)
{
    private const byte Stx = 0x02;
    private const byte Etx = 0x03;
    private readonly StringBuilder _line = new();
    private string? _problem;

    /// <summary>Feeds received bytes; completed reads are added to <paramref name="reads"/>.</summary>
    public void Push(ReadOnlySpan<byte> bytes, List<RawTagRead> reads)
    {
        ArgumentNullException.ThrowIfNull(reads);
        foreach (var b in bytes)
        {
            switch (b)
            {
                case (byte)'\r' or (byte)'\n' or Etx:
                    if (_line.Length > 0 || _problem is not null) reads.Add(new RawTagRead(_line.ToString(), _problem));
                    _line.Clear();
                    _problem = null;
                    break;
                case Stx:
                    _line.Clear();
                    _problem = null;
                    break;
                default:
                    if (_line.Length >= maxLength)
                    {
                        _problem ??= $"line longer than {maxLength} characters";
                        break;
                    }
                    if (b is < 0x20 or > 0x7e)
                    {
                        _problem ??= $"byte 0x{b:X2} is not printable ASCII";
                        _line.Append('\uFFFD');
                        break;
                    }
                    _line.Append((char)b);
                    break;
            }
        }
    }

    /// <summary>Forgets a partly received line (after the port was reopened).</summary>
    public void Reset()
    {
        _line.Clear();
        _problem = null;
    }
}
