using System.Buffers.Binary;
using EdgeGateway.Log;

namespace EdgeGateway.Tests.Support;

/// <summary>Deterministic salts (a counter) so that tests can predict leaf bytes. Never for real logs.</summary>
public sealed class CountingSaltSource : ISaltSource
{
    private long _next;

    public void Fill(Span<byte> salt)
    {
        salt.Clear();
        BinaryPrimitives.WriteInt64BigEndian(salt[8..], _next++);
    }
}
