using System.Diagnostics;
using System.Globalization;

namespace Demo;

/// <summary>Numbered progress lines: <c>[3/11] enrolling gateway gw-1 … done (0.4 s)</c>, with a dot every few seconds of a long wait.</summary>
internal sealed class DemoProgress(int steps)
{
    private readonly Stopwatch _clock = new();
    private readonly Lock _gate = new();
    private string _line = "";
    private bool _open;
    private bool _ticked;

    public void Begin(int step, string what)
    {
        Interrupted();
        _line = string.Create(CultureInfo.InvariantCulture, $"[{step}/{steps}] {what} … ");
        Console.Write(_line);
        _open = true;
        _ticked = false;
        _clock.Restart();
    }

    public void Tick()
    {
        if (_open)
        {
            Console.Write('.');
            _ticked = true;
        }
    }

    public void Done(string result)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(_ticked ? " " : "")}{result} ({_clock.Elapsed.TotalSeconds:0.0} s)"));
        _open = false;
    }

    public void Fail(string result)
    {
        if (_open)
        {
            Console.WriteLine(result);
            _open = false;
        }
    }

    /// <summary>A line of its own about something that happened meanwhile (a notification arrived); an open step's line is started again below it.</summary>
    public void Note(string line)
    {
        lock (_gate)
        {
            if (_open)
            {
                Console.WriteLine();
                Console.WriteLine(line);
                Console.Write(_line);
                _ticked = false;
            }
            else
            {
                Console.WriteLine(line);
            }
        }
    }

    /// <summary>Ends a line left open by a step that did not finish.</summary>
    public void Interrupted()
    {
        if (_open)
        {
            Console.WriteLine("interrupted");
            _open = false;
        }
    }
}
