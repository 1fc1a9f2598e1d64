using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>Keeps log entries for assertions.</summary>
internal sealed class InMemoryLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(LogLevel Level, EventId Id, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel)) Entries.Enqueue((logLevel, eventId, formatter(state, exception)));
    }
}
