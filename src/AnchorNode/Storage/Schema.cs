namespace AnchorNode.Storage;

/// <summary>The node database's tables. One SQLite file holds the ledger, its state, the readings and access control.</summary>
internal static class Schema
{
    public const int Version = 1;

    // page_size only takes effect on a new file; 8 KiB keeps hash tiles (1 KiB) inside the pages
    // of their WITHOUT ROWID b-tree.
    public const string Pragmas = "PRAGMA page_size = 8192;";

    public const string Create = """
        CREATE TABLE IF NOT EXISTS meta (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL) WITHOUT ROWID;

        -- Stored levels (0, 4, 8, …) of every Merkle log, 32 hashes per row. Log 0 is the ledger;
        -- device logs get their numbers from device_logs.
        CREATE TABLE IF NOT EXISTS tiles (
          log INTEGER NOT NULL,
          level INTEGER NOT NULL,
          tile INTEGER NOT NULL,
          hashes BLOB NOT NULL,
          PRIMARY KEY (log, level, tile)) WITHOUT ROWID;

        -- The ledger: entry bytes as appended. meta.ledger_size is authoritative for the size.
        CREATE TABLE IF NOT EXISTS entries (
          idx INTEGER PRIMARY KEY,
          kind TEXT NOT NULL,
          bytes BLOB NOT NULL);

        -- Every ledger checkpoint this node signed, with the cosignatures it gathered.
        CREATE TABLE IF NOT EXISTS checkpoints (
          size INTEGER PRIMARY KEY,
          root BLOB NOT NULL,
          time_ms INTEGER NOT NULL,
          note TEXT NOT NULL,
          signatures INTEGER NOT NULL);

        -- Ledger state: derived from entries only (a replica replaying them holds the same rows).
        CREATE TABLE IF NOT EXISTS members (
          name TEXT PRIMARY KEY,
          roles INTEGER NOT NULL,
          spki TEXT NOT NULL,
          admitted INTEGER NOT NULL,
          seq INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS devices (
          device TEXT PRIMARY KEY,
          spki TEXT NOT NULL,
          site TEXT,
          zone TEXT,
          sensors TEXT NOT NULL,
          enrolment INTEGER NOT NULL,
          enrolled_by TEXT NOT NULL,
          revocation INTEGER,
          anchor INTEGER,
          anchored_size INTEGER NOT NULL,
          anchored_root BLOB NOT NULL,
          equivocation INTEGER) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS statements (
          hash BLOB PRIMARY KEY,
          idx INTEGER NOT NULL) WITHOUT ROWID;

        -- Local projections of the ledger (rebuildable from entries).
        CREATE TABLE IF NOT EXISTS anchors (
          device TEXT NOT NULL,
          idx INTEGER NOT NULL,
          size INTEGER NOT NULL,
          PRIMARY KEY (device, idx)) WITHOUT ROWID;

        -- This node's copy of device logs: leaves as received, and what each upload brought.
        CREATE TABLE IF NOT EXISTS device_logs (
          device TEXT PRIMARY KEY,
          log INTEGER NOT NULL UNIQUE,
          size INTEGER NOT NULL) WITHOUT ROWID;
        -- One row per upload: its leaves (see LeafChunk), their sequence and time span, and the
        -- anchor entry they came with. The blob goes last, so scanning the other columns does not
        -- read it.
        CREATE TABLE IF NOT EXISTS leaf_chunks (
          id INTEGER PRIMARY KEY,
          log INTEGER NOT NULL,
          first_seq INTEGER NOT NULL,
          count INTEGER NOT NULL,
          min_time INTEGER NOT NULL,
          max_time INTEGER NOT NULL,
          anchor INTEGER NOT NULL,
          leaves BLOB NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS leaf_chunks_at ON leaf_chunks (log, first_seq);

        -- Members named for the genesis entry, before it is written.
        CREATE TABLE IF NOT EXISTS founders (
          name TEXT PRIMARY KEY,
          roles INTEGER NOT NULL,
          spki TEXT NOT NULL,
          seq INTEGER NOT NULL) WITHOUT ROWID;

        -- API clients: organisations with one role each, and their keys (SHA-256 of the secret only).
        CREATE TABLE IF NOT EXISTS orgs (
          name TEXT PRIMARY KEY,
          role TEXT NOT NULL,
          created_ms INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS api_keys (
          key_id TEXT PRIMARY KEY,
          org TEXT NOT NULL REFERENCES orgs(name),
          secret_sha256 BLOB NOT NULL,
          created_ms INTEGER NOT NULL,
          revoked_ms INTEGER) WITHOUT ROWID;
        """;
}
