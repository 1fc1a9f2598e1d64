using System.Device.Gpio;

namespace EdgeGateway.Tests.Support;

/// <summary>
/// A GPIO driver with no hardware behind it (System.Device.Gpio's <see cref="GpioDriver"/> extended,
/// as dotnet/iot's own tests do): inputs are levels the test sets, outputs are recorded, and edge
/// callbacks fire when the test changes an input.
/// </summary>
public class SimulatedGpioDriver : GpioDriver
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Pin> _pins = [];

    protected override int PinCount => 54;

    /// <summary>Every write to an output, in order.</summary>
    public List<(int Pin, PinValue Value)> Writes { get; } = [];

    /// <summary>Sets the level an input reads (as the wiring would), firing edge callbacks.</summary>
    public void SetInput(int pin, PinValue value)
    {
        PinChangeEventHandler[] callbacks;
        PinValue before;
        lock (_gate)
        {
            var p = Get(pin, open: false);
            before = p.Input;
            p.Input = value;
            callbacks = [.. p.Callbacks];
        }
        if (before == value) return;
        var type = value == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
        foreach (var c in callbacks) c(this, new PinValueChangedEventArgs(type, pin));
    }

    /// <summary>The level an output drives now, or null when the pin is not an open output.</summary>
    public PinValue? Output(int pin)
    {
        lock (_gate)
            return _pins.TryGetValue(pin, out var p) && p.IsOpen && p.Mode == PinMode.Output ? p.Output : null;
    }

    /// <summary>Whether the pin is open, and in which mode.</summary>
    public PinMode? ModeOf(int pin)
    {
        lock (_gate)
            return _pins.TryGetValue(pin, out var p) && p.IsOpen ? p.Mode : null;
    }

    protected override void OpenPin(int pinNumber)
    {
        lock (_gate) Get(pinNumber, open: false).IsOpen = true;
    }

    protected override void ClosePin(int pinNumber)
    {
        lock (_gate)
        {
            if (_pins.TryGetValue(pinNumber, out var p))
            {
                p.IsOpen = false;
                p.Callbacks.Clear();
            }
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        lock (_gate) Get(pinNumber).Mode = mode;
        OnModeChanged(pinNumber, mode);
    }

    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_gate) return Get(pinNumber).Mode;
    }

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber)
    {
        lock (_gate)
        {
            var p = Get(pinNumber);
            return p.Mode == PinMode.Output ? p.Output : p.Input;
        }
    }

    protected override void Write(int pinNumber, PinValue value)
    {
        lock (_gate)
        {
            Get(pinNumber).Output = value;
            Writes.Add((pinNumber, value));
        }
        OnWritten(pinNumber, value);
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        cancellationToken.WaitHandle.WaitOne();
        return new WaitForEventResult { TimedOut = true };
    }

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_gate) Get(pinNumber).Callbacks.Add(callback);
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_gate) Get(pinNumber).Callbacks.Remove(callback);
    }

    /// <summary>Called after a pin's mode is set (outside the lock).</summary>
    protected virtual void OnModeChanged(int pin, PinMode mode)
    {
    }

    /// <summary>Called after an output is written (outside the lock).</summary>
    protected virtual void OnWritten(int pin, PinValue value)
    {
    }

    private Pin Get(int pin, bool open = true)
    {
        if (!_pins.TryGetValue(pin, out var p)) _pins[pin] = p = new Pin();
        if (open && !p.IsOpen) throw new InvalidOperationException($"pin {pin} is not open");
        return p;
    }

    private sealed class Pin
    {
        public bool IsOpen { get; set; }
        public PinMode Mode { get; set; } = PinMode.Input;
        public PinValue Input { get; set; } = PinValue.High;
        public PinValue Output { get; set; } = PinValue.Low;
        public List<PinChangeEventHandler> Callbacks { get; } = [];
    }
}
