using Firmware.Contracts.Epc;

namespace AnchorNode.Consumer;

/// <summary>
/// Where the consumer pages get their facts. Implementations return public facts only and answer
/// "unknown" for a GTIN they do not know and for a lot they do not know in the same way and with
/// the same work, so that the pages cannot be used to learn which codes exist.
/// </summary>
public interface IPublicTraceSource
{
    /// <summary>The product with this GTIN, or null when no lot of it is public.</summary>
    ValueTask<PublicProduct?> FindProductAsync(Gtin gtin, CancellationToken cancellationToken);

    /// <summary>The public trace of the lot (and serial, when the link has one), or null when unknown.</summary>
    ValueTask<PublicTrace?> FindTraceAsync(DigitalLink link, CancellationToken cancellationToken);

    /// <summary>
    /// The public proof of the trace: against the checkpoint of ledger size <paramref name="atSize"/>
    /// when given (the one a page showed), otherwise the best available. Null when unknown or not provable yet.
    /// </summary>
    ValueTask<PublicProofFile?> ExportProofAsync(DigitalLink link, long? atSize, CancellationToken cancellationToken);
}
