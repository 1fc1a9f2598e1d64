using System.Buffers.Text;
using System.Net;
using System.Text.Json;

namespace EdgeGateway.Uplink;

/// <summary>
/// The body of an upload, <c>{"checkpoint":…,"firstSequence":…,"leaves":["base64",…]}</c>, written
/// straight from the leaf rows to the socket with an exact Content-Length: memory stays at one
/// small buffer however many leaves are sent.
/// </summary>
internal sealed class UplinkRequestContent : HttpContent
{
    private const int BufferSize = 64 * 1024;
    private readonly UplinkBatch _batch;
    private readonly byte[] _header;
    private static readonly byte[] Trailer = "]}"u8.ToArray();

    public UplinkRequestContent(UplinkBatch batch)
    {
        _batch = batch;
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("checkpoint", batch.Checkpoint);
            writer.WriteNumber("firstSequence", batch.FirstSequence);
            writer.WritePropertyName("leaves");
            writer.WriteStartArray();
            writer.Flush();
        }
        _header = stream.ToArray();
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferSize];
        _header.CopyTo(buffer, 0);
        var used = _header.Length;
        var count = 0;
        foreach (var leaf in _batch.Leaves)
        {
            var needed = Base64.GetMaxEncodedToUtf8Length(leaf.Length) + 3;
            if (used + needed > buffer.Length)
            {
                await stream.WriteAsync(buffer.AsMemory(0, used), cancellationToken);
                used = 0;
            }
            if (count > 0)
            {
                buffer[used++] = (byte)',';
            }
            buffer[used++] = (byte)'"';
            Base64.EncodeToUtf8(leaf, buffer.AsSpan(used), out _, out var written);
            used += written;
            buffer[used++] = (byte)'"';
            count++;
        }
        if (count != _batch.Count)
        {
            throw new InvalidOperationException($"the upload was to carry {_batch.Count} leaves but {count} were read");
        }
        if (used + Trailer.Length > buffer.Length)
        {
            await stream.WriteAsync(buffer.AsMemory(0, used), cancellationToken);
            used = 0;
        }
        Trailer.CopyTo(buffer, used);
        used += Trailer.Length;
        await stream.WriteAsync(buffer.AsMemory(0, used), cancellationToken);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = _header.Length + _batch.Base64Length + 2L * _batch.Count + Math.Max(0, _batch.Count - 1) + Trailer.Length;
        return true;
    }
}
