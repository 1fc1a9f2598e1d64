using Firmware.Contracts.Epc;

namespace AnchorNode.Consumer;

/// <summary>
/// What a consumer may see about a lot (or one serialised item of it): only public facts. Whatever
/// builds it decides what is public; the pages show all of it and nothing else, so owners,
/// pledges, lenders and amounts must never reach this type.
/// </summary>
public sealed record PublicTrace
{
    /// <summary>The code that was resolved (GTIN, lot, and the serial when one was scanned).</summary>
    public required DigitalLink Link { get; init; }

    /// <summary>The product's name as the lot records it.</summary>
    public required string ProductName { get; init; }

    /// <summary>A public specification line (e.g. "12 × 1 L"), or null.</summary>
    public string? ProductDetail { get; init; }

    /// <summary>Where the goods were, oldest first; sites only, a zone only where it is marked public.</summary>
    public required IReadOnlyList<JourneyStop> Journey { get; init; }

    /// <summary>Whether the cold chain held.</summary>
    public required ColdChainStatus ColdChain { get; init; }

    /// <summary>The ledger checkpoint the facts are proven against, or null when none covers them yet.</summary>
    public ProofSummary? Proof { get; init; }

    /// <summary>A coarse temperature series, only when the operator made the lot's readings public.</summary>
    public PublicTemperatureSeries? Chart { get; init; }
}

/// <summary>One place the goods were stored.</summary>
/// <param name="Site">The site as the public may see it (e.g. "Shanghai cold store 1").</param>
/// <param name="Zone">The zone, only when the operator marked it public; otherwise null.</param>
/// <param name="From">When the goods arrived.</param>
/// <param name="To">When they left, or null while they are still there.</param>
public sealed record JourneyStop(PlaceName Site, PlaceName? Zone, DateTimeOffset From, DateTimeOffset? To);

/// <summary>A place's name in each page language.</summary>
/// <param name="English">In English.</param>
/// <param name="Chinese">In Chinese.</param>
public sealed record PlaceName(string English, string Chinese)
{
    /// <summary>A name that is the same in every language (an id).</summary>
    public static PlaceName Invariant(string name) => new(name, name);

    /// <summary>The name in <paramref name="language"/>.</summary>
    public string In(ConsumerLanguage language) => language == ConsumerLanguage.Chinese ? Chinese : English;
}

/// <summary>How the cold chain went.</summary>
public enum ColdChainState
{
    /// <summary>Every reading that covers the goods was within the required range.</summary>
    Held,

    /// <summary>At least one excursion out of the required range.</summary>
    Excursion,

    /// <summary>No reading covers the goods yet.</summary>
    NotMonitored,

    /// <summary>No reading was out of range, but the goods were not watched throughout: the cold chain cannot be confirmed.</summary>
    Incomplete,
}

/// <summary>The cold-chain verdict and what it rests on.</summary>
public sealed record ColdChainStatus
{
    /// <summary>The verdict.</summary>
    public required ColdChainState State { get; init; }

    /// <summary>Lower bound of the required temperature range, °C.</summary>
    public required double MinCelsius { get; init; }

    /// <summary>Upper bound of the required temperature range, °C.</summary>
    public required double MaxCelsius { get; init; }

    /// <summary>The monitored period: first reading that covers the goods, or null.</summary>
    public DateTimeOffset? MonitoredFrom { get; init; }

    /// <summary>The monitored period: last reading that covers the goods, or null.</summary>
    public DateTimeOffset? MonitoredTo { get; init; }

    /// <summary>Every excursion, oldest first.</summary>
    public IReadOnlyList<PublicExcursion> Excursions { get; init; } = [];

    /// <summary>Total time without readings inside the monitored period (gaps longer than the logging allows).</summary>
    public TimeSpan Unmonitored { get; init; }

    /// <summary>Total time out of range.</summary>
    public TimeSpan TimeOutOfRange => Excursions.Aggregate(TimeSpan.Zero, (sum, e) => sum + e.Duration);
}

/// <summary>A period out of the required range.</summary>
/// <param name="Start">When it began.</param>
/// <param name="End">When the temperature was back in range (or the last reading, if it never was).</param>
/// <param name="PeakCelsius">The furthest reading from the range: the highest above it, the lowest below it.</param>
/// <param name="Above">True above the range, false below it.</param>
public sealed record PublicExcursion(DateTimeOffset Start, DateTimeOffset End, double PeakCelsius, bool Above)
{
    /// <summary>How long it lasted.</summary>
    public TimeSpan Duration => End - Start;
}

/// <summary>What the page's claims are proven against: a signed ledger checkpoint.</summary>
/// <param name="LedgerSize">The checkpoint's ledger size (number of entries).</param>
/// <param name="CheckpointTime">The checkpoint's time.</param>
/// <param name="Signatures">How many member signatures the checkpoint carries.</param>
public sealed record ProofSummary(long LedgerSize, DateTimeOffset CheckpointTime, int Signatures);

/// <summary>A coarse public temperature series: one bucket per interval with its extremes.</summary>
/// <param name="Buckets">Buckets, oldest first.</param>
public sealed record PublicTemperatureSeries(IReadOnlyList<TemperatureBucket> Buckets);

/// <summary>The lowest and highest temperature in an interval.</summary>
public sealed record TemperatureBucket(DateTimeOffset Start, DateTimeOffset End, double MinCelsius, double MaxCelsius);

/// <summary>A product as the public may see it.</summary>
/// <param name="Gtin">Its GTIN.</param>
/// <param name="Name">Its name.</param>
/// <param name="Detail">A public specification line, or null.</param>
public sealed record PublicProduct(Gtin Gtin, string Name, string? Detail);

/// <summary>A public proof, ready to download.</summary>
/// <param name="FileName">A file name for it.</param>
/// <param name="Json">The proof document (UTF-8 JSON).</param>
public sealed record PublicProofFile(string FileName, byte[] Json);
