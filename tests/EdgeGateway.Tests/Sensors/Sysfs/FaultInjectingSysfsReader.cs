using System.Collections.Concurrent;
using EdgeGateway.Sensors.Sysfs;

namespace EdgeGateway.Tests.Sensors.Sysfs;

/// <summary>
/// Reads the fake tree through the real <see cref="FileSysfsReader"/>, except for paths told to
/// fail: those throw what .NET throws when the kernel's read() fails, an <see cref="IOException"/>
/// whose HResult is the errno (a regular file cannot be made to return EIO).
/// </summary>
public sealed class FaultInjectingSysfsReader : ISysfsReader
{
    public const int EIO = 5;
    public const int ETIMEDOUT = 110;

    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _scripted = new();
    private readonly ConcurrentDictionary<string, int> _always = new();
    private readonly ConcurrentDictionary<string, int> _reads = new();

    /// <summary>The next reads of <paramref name="path"/> fail with these errnos, in order; then reads succeed.</summary>
    public void FailNext(string path, params int[] errnos) =>
        _scripted.GetOrAdd(path, _ => new ConcurrentQueue<int>()).EnqueueRange(errnos);

    /// <summary>Every read of <paramref name="path"/> fails with this errno.</summary>
    public void FailAlways(string path, int errno) => _always[path] = errno;

    public int Reads(string path) => _reads.GetValueOrDefault(path);

    public ValueTask<string> ReadTextAsync(string path, CancellationToken cancellationToken)
    {
        _reads.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (_scripted.TryGetValue(path, out var queue) && queue.TryDequeue(out var errno)) throw KernelError(errno, path);
        if (_always.TryGetValue(path, out errno)) throw KernelError(errno, path);
        return FileSysfsReader.Instance.ReadTextAsync(path, cancellationToken);
    }

    // Message and HResult as the runtime builds them for a failed read() (Interop.GetExceptionForIoErrno).
    public static IOException KernelError(int errno, string path) => errno switch
    {
        EIO => new IOException($"Input/output error : '{path}'", EIO),
        ETIMEDOUT => new IOException($"Connection timed out : '{path}'", ETIMEDOUT),
        _ => new IOException($"errno {errno} : '{path}'", errno),
    };
}

internal static class ConcurrentQueueExtensions
{
    public static void EnqueueRange<T>(this ConcurrentQueue<T> queue, IEnumerable<T> items)
    {
        foreach (var item in items) queue.Enqueue(item);
    }
}
