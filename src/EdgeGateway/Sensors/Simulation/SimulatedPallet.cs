namespace EdgeGateway.Sensors.Simulation;

/// <summary>
/// One pallet's manifest entry: its EPC (SGTIN-96, filter "unit load"), product, lot, where it is
/// stored and when it passes the readers. Enough for a demo to register a warehouse receipt.
/// </summary>
/// <param name="EpcUri">Pure-identity URI, what the readers report.</param>
/// <param name="EpcHex">The 24 hex digits on the tag.</param>
/// <param name="Gtin14">The pallet's GTIN.</param>
/// <param name="Serial">SGTIN serial.</param>
/// <param name="Batch">Batch/lot label (GS1 AI 10).</param>
/// <param name="Product">Product description.</param>
/// <param name="Zone">Zone it is stored in.</param>
/// <param name="ArrivalMs">Read at the dock door on arrival.</param>
/// <param name="MoveInMs">Read by the zone reader when put away.</param>
/// <param name="DepartureMs">Read at the dock door when it leaves.</param>
public sealed record SimulatedPallet(
    string EpcUri, string EpcHex, string Gtin14, long Serial, string Batch, string Product, string Zone,
    long ArrivalMs, long MoveInMs, long DepartureMs);
