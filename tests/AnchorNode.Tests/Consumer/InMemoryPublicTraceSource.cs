using System.Collections.Concurrent;
using AnchorNode.Consumer;
using Firmware.Contracts.Epc;

namespace AnchorNode.Tests.Consumer;

/// <summary>Public traces held in memory, for tests of the pages' rendering alone.</summary>
public sealed class InMemoryPublicTraceSource : IPublicTraceSource
{
    private readonly ConcurrentDictionary<string, PublicTrace> _traces = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PublicProofFile> _proofs = new(StringComparer.Ordinal);

    public void Add(PublicTrace trace, PublicProofFile? proof = null)
    {
        _traces[trace.Link.ToPath()] = trace;
        if (proof is not null)
        {
            _proofs[trace.Link.ToPath()] = proof;
        }
    }

    public ValueTask<PublicProduct?> FindProductAsync(Gtin gtin, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_traces.Values.Where(t => t.Link.Gtin == gtin).Select(t => new PublicProduct(gtin, t.ProductName, t.ProductDetail)).FirstOrDefault());

    public ValueTask<PublicTrace?> FindTraceAsync(DigitalLink link, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_traces.GetValueOrDefault(link.ToPath()));

    public ValueTask<PublicProofFile?> ExportProofAsync(DigitalLink link, long? atSize, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_proofs.GetValueOrDefault(link.ToPath()));
}
