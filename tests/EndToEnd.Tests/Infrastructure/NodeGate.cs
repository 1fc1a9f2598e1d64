namespace EndToEnd.Tests.Infrastructure;

/// <summary>Open while a node serves; clients wait at it instead of hammering a port nobody listens on.</summary>
public sealed class NodeGate
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Returns once the gate is open (at once when it is).</summary>
    public Task WaitOpenAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _open.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The node serves.</summary>
    public void Open()
    {
        lock (_lock)
        {
            _open.TrySetResult();
        }
    }

    /// <summary>The node is going down: requests under way go on, no new one starts.</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_open.Task.IsCompleted)
            {
                _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }
}
