using System.Device.Gpio;
using System.Diagnostics;
using EdgeGateway.Tests.Support;

namespace EdgeGateway.Tests.Sensors.Bindings;

/// <summary>
/// A DHT22 on a simulated GPIO line (datasheet "Communication process"): after the host pulls the
/// line low and releases it, the sensor answers low then high, then sends 40 bits, each a low
/// phase followed by a high phase of 26-28 µs for 0 and 70 µs for 1. The driver measures each high
/// phase with a Stopwatch, so a 1 is held high for 75 µs of real time, and a 0 drops at the next
/// look at the line. The frame is humidity × 10, temperature × 10 (sign in bit 15), and a checksum.
/// </summary>
internal sealed class SimulatedDht22Driver : SimulatedGpioDriver
{
    private readonly Lock _gate = new();
    private readonly int _pin;
    private bool[] _bits = [];
    private bool _hostPulledLow;
    private int _step = -1;
    private int _reads;
    private long _highSince;

    public SimulatedDht22Driver(int pin, double humidity, double celsius)
    {
        _pin = pin;
        Frame = Encode(humidity, celsius);
    }

    /// <summary>The five bytes the sensor sends; tests may spoil the checksum.</summary>
    public byte[] Frame { get; set; }

    /// <summary>False: the sensor does not answer at all (nothing connected).</summary>
    public bool Connected { get; set; } = true;

    public int Transmissions { get; private set; }

    public static byte[] Encode(double humidity, double celsius)
    {
        var h = (int)Math.Round(humidity * 10);
        var t = (int)Math.Round(Math.Abs(celsius) * 10) | (celsius < 0 ? 0x8000 : 0);
        byte[] frame = [(byte)(h >> 8), (byte)h, (byte)(t >> 8), (byte)t, 0];
        frame[4] = (byte)(frame[0] + frame[1] + frame[2] + frame[3]);
        return frame;
    }

    protected override void OnWritten(int pin, PinValue value)
    {
        if (pin != _pin) return;
        lock (_gate)
        {
            if (value == PinValue.Low) _hostPulledLow = true;
        }
    }

    protected override void OnModeChanged(int pin, PinMode mode)
    {
        if (pin != _pin) return;
        lock (_gate)
        {
            if (mode == PinMode.Output)
            {
                _step = -1;
                _hostPulledLow = false;
                return;
            }
            if (_hostPulledLow && Connected)
            {
                // Released after a start signal: the sensor answers.
                _bits = Enumerable.Range(0, 40).Select(i => ((Frame[i / 8] >> (7 - (i % 8))) & 1) == 1).ToArray();
                _step = 0;
                _reads = 0;
                Transmissions++;
            }
        }
    }

    protected override PinValue Read(int pinNumber)
    {
        if (pinNumber != _pin) return base.Read(pinNumber);
        lock (_gate)
        {
            if (_step < 0) return PinValue.High; // idle: the pull-up holds the line high
            // Steps: 0 response low, 1 response high, then per bit a low step and a high step.
            _reads++;
            if (_step == 0) return Advance(3, PinValue.Low);
            if (_step == 1) return Advance(3, PinValue.High);
            var bit = (_step - 2) / 2;
            if (bit >= 40)
            {
                _step = -1;
                return PinValue.High;
            }
            if ((_step - 2) % 2 == 0) return Advance(2, PinValue.Low);
            // High phase of a bit: the first look sees it rise (ending the driver's low loop).
            if (_reads == 1)
            {
                _highSince = Stopwatch.GetTimestamp();
                return PinValue.High;
            }
            var held = Stopwatch.GetElapsedTime(_highSince);
            if (_bits[bit] && held < TimeSpan.FromMicroseconds(75)) return PinValue.High;
            _step++;
            _reads = 0;
            return PinValue.Low; // the next bit's low phase has begun
        }
    }

    private PinValue Advance(int reads, PinValue level)
    {
        if (_reads >= reads)
        {
            _step++;
            _reads = 0;
        }
        return level;
    }
}
