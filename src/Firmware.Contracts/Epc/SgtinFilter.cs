namespace Firmware.Contracts.Epc;

/// <summary>
/// SGTIN filter values (GS1 EPC Tag Data Standard, SGTIN filter value table): a hint on the tag that
/// lets a reader select, say, only pallets. Not part of the identity.
/// </summary>
public enum SgtinFilter
{
    /// <summary>All others.</summary>
    AllOthers = 0,
    /// <summary>Point of sale trade item.</summary>
    PointOfSale = 1,
    /// <summary>Full case for transport.</summary>
    FullCaseForTransport = 2,
    /// <summary>Reserved.</summary>
    Reserved3 = 3,
    /// <summary>Inner pack trade item grouping for handling.</summary>
    InnerPack = 4,
    /// <summary>Reserved.</summary>
    Reserved5 = 5,
    /// <summary>Unit load: trade items on a pallet or other load carrier, ordered as one GTIN.</summary>
    UnitLoad = 6,
    /// <summary>Unit inside a trade item, not for individual sale.</summary>
    UnitInsideTradeItem = 7,
}
