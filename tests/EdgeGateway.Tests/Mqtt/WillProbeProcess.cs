using System.Diagnostics;
using System.Text;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>Runs tests/MqttWillProbe (copied next to the tests by the project reference) as a child process.</summary>
internal sealed class WillProbeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WillProbeProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    public static WillProbeProcess Start(params string[] arguments)
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "MqttWillProbe.dll");
        if (!File.Exists(probe)) throw new FileNotFoundException($"{probe} is missing; build tests/EdgeGateway.Tests, which references tests/MqttWillProbe.");
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(probe);
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        var process = new Process { StartInfo = psi };
        var result = new WillProbeProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) result._firstLine.TrySetResult("(end of output)");
            else result._firstLine.TrySetResult(e.Data);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (result._stderr) result._stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>The first line the probe printed ("connected" once it is connected).</summary>
    public Task<string> FirstLineAsync(TimeSpan timeout) => _firstLine.Task.WaitAsync(timeout);

    /// <summary>SIGKILL: the process gets no chance to send DISCONNECT.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>Closes the probe's stdin: it disposes its client (DISCONNECT) and exits normally.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
