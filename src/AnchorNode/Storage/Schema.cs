namespace AnchorNode.Storage;

/// <summary>The node database's tables. One SQLite file holds the ledger, its state, the readings and access control.</summary>
internal static class Schema
{
    // 2: ledger checkpoints commit to the state map (state_values, titles.nonce, lots.delivered_ms).
    // 3: the receipt lifecycle (endorse, split, merge, freeze, dispose): lots.frozen, lots.terms, lots.children;
    //    the state map's lot-status values carry the owner and the freeze.
    public const int Version = 3;

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
        -- Bundles use the best-signed checkpoint that includes what they prove.
        CREATE INDEX IF NOT EXISTS checkpoints_by_signatures ON checkpoints (signatures, size);

        -- The ledger state map (docs/spec-ledger.md §5.1) as of each checkpoint: a row per key whose value
        -- changed at that checkpoint size; the value at size n is the row with the largest size <= n.
        CREATE TABLE IF NOT EXISTS state_values (
          key TEXT NOT NULL,
          size INTEGER NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (key, size)) WITHOUT ROWID;

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
        -- Alarm acknowledgements: the alarm's start leaf (device, sequence) -> the acknowledge entry.
        CREATE TABLE IF NOT EXISTS acknowledgements (
          device TEXT NOT NULL,
          alarm INTEGER NOT NULL,
          idx INTEGER NOT NULL,
          PRIMARY KEY (device, alarm)) WITHOUT ROWID;
        -- Warehouse receipts (quantities and amounts as canonical decimal text).
        CREATE TABLE IF NOT EXISTS parties (
          party TEXT PRIMARY KEY,
          spki TEXT NOT NULL,
          registration INTEGER NOT NULL,
          registered_by TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS titles (
          hash BLOB PRIMARY KEY,
          idx INTEGER NOT NULL,
          receipt TEXT NOT NULL,
          depositor TEXT NOT NULL,
          owner TEXT NOT NULL,
          quantity TEXT NOT NULL,
          unit TEXT NOT NULL,
          lot INTEGER,
          nonce TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS lots (
          receipt TEXT PRIMARY KEY,
          lot INTEGER NOT NULL,
          title INTEGER NOT NULL,
          gtin TEXT NOT NULL,
          batch TEXT NOT NULL,
          site TEXT NOT NULL,
          zone TEXT NOT NULL,
          status TEXT NOT NULL,
          depositor TEXT NOT NULL,
          owner TEXT NOT NULL,
          quantity TEXT NOT NULL,
          unit TEXT NOT NULL,
          issued INTEGER NOT NULL,
          valid_until INTEGER NOT NULL,
          location_head INTEGER NOT NULL,
          location_time INTEGER NOT NULL,
          status_head INTEGER NOT NULL,
          pledge INTEGER,
          controller TEXT,
          closed INTEGER,
          delivered_ms INTEGER,
          frozen INTEGER,
          terms TEXT NOT NULL,
          children TEXT NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS lots_by_gtin ON lots (gtin, batch);
        CREATE TABLE IF NOT EXISTS lot_epcs (
          epc TEXT PRIMARY KEY,
          receipt TEXT NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS lot_epcs_by_receipt ON lot_epcs (receipt);
        CREATE TABLE IF NOT EXISTS pledges (
          idx INTEGER PRIMARY KEY,
          receipt TEXT NOT NULL,
          lot INTEGER NOT NULL,
          lender TEXT NOT NULL,
          owner TEXT NOT NULL,
          amount TEXT NOT NULL,
          currency TEXT NOT NULL,
          start_ms INTEGER NOT NULL,
          end_ms INTEGER NOT NULL,
          status TEXT NOT NULL,
          ended_at INTEGER,
          ended_ms INTEGER);
        CREATE INDEX IF NOT EXISTS pledges_by_receipt ON pledges (receipt);
        CREATE TABLE IF NOT EXISTS calibrations (
          idx INTEGER PRIMARY KEY,
          device TEXT NOT NULL,
          sensor TEXT NOT NULL,
          signed_by TEXT NOT NULL,
          body TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS calibrations_by_sensor ON calibrations (device, sensor, idx);

        -- Local projections of the ledger (rebuildable from entries).
        CREATE TABLE IF NOT EXISTS anchors (
          device TEXT NOT NULL,
          idx INTEGER NOT NULL,
          size INTEGER NOT NULL,
          PRIMARY KEY (device, idx)) WITHOUT ROWID;

        -- RFID reads in this node's device leaves (trace links of EPCs to lots; rebuilt from leaf_chunks when missing).
        CREATE TABLE IF NOT EXISTS epc_observations (
          epc TEXT NOT NULL,
          device TEXT NOT NULL,
          seq INTEGER NOT NULL,
          time_ms INTEGER NOT NULL,
          sensor TEXT NOT NULL,
          PRIMARY KEY (epc, device, seq)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS epc_observations_by_time ON epc_observations (time_ms);

        -- Alarm leaves (start and end) in this node's device leaves (rebuilt from leaf_chunks when missing);
        -- escalated_ms: when this node recorded the alarm's escalation notification; notified_ms: when it
        -- recorded the leaf's alarm.started / alarm.ended notification.
        CREATE TABLE IF NOT EXISTS alarm_leaves (
          device TEXT NOT NULL,
          seq INTEGER NOT NULL,
          time_ms INTEGER NOT NULL,
          zone TEXT NOT NULL,
          rule TEXT NOT NULL,
          sensor TEXT,
          state TEXT NOT NULL,
          severity TEXT NOT NULL,
          value REAL,
          unit TEXT,
          escalated_ms INTEGER,
          notified_ms INTEGER,
          PRIMARY KEY (device, seq)) WITHOUT ROWID;
        -- Suppression events (docs/spec.md §2.8: suppression-start / suppression-end with a zone and a
        -- reason) in this node's device leaves, for the dashboard's suppressed spans (rebuilt from leaf_chunks when missing).
        CREATE TABLE IF NOT EXISTS suppression_events (
          device TEXT NOT NULL,
          seq INTEGER NOT NULL,
          time_ms INTEGER NOT NULL,
          code TEXT NOT NULL,
          zone TEXT NOT NULL,
          reason TEXT NOT NULL,
          PRIMARY KEY (device, seq)) WITHOUT ROWID;
        -- Numeric measurements in this node's device leaves, for the dashboard's current values and
        -- 24 h figures (rebuilt from leaf_chunks when missing); measurement_series holds each
        -- sensor's latest one, so the dashboard lists sensors without reading every measurement.
        CREATE TABLE IF NOT EXISTS measurements (
          device TEXT NOT NULL,
          sensor TEXT NOT NULL,
          quantity TEXT NOT NULL,
          time_ms INTEGER NOT NULL,
          seq INTEGER NOT NULL,
          value REAL NOT NULL,
          PRIMARY KEY (device, sensor, quantity, time_ms, seq)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS measurement_series (
          device TEXT NOT NULL,
          sensor TEXT NOT NULL,
          quantity TEXT NOT NULL,
          zone TEXT,
          unit TEXT,
          time_ms INTEGER NOT NULL,
          seq INTEGER NOT NULL,
          value REAL NOT NULL,
          PRIMARY KEY (device, sensor, quantity)) WITHOUT ROWID;

        -- Covenant breaches this node detected (rebuildable by evaluating the pledges again).
        CREATE TABLE IF NOT EXISTS covenant_breaches (
          pledge INTEGER NOT NULL,
          covenant TEXT NOT NULL,
          device TEXT NOT NULL,
          sensor TEXT NOT NULL,
          start_ms INTEGER NOT NULL,
          end_ms INTEGER NOT NULL,
          duration_ms INTEGER NOT NULL,
          exceeded_ms INTEGER NOT NULL,
          peak REAL NOT NULL,
          ongoing INTEGER NOT NULL,
          detected_ms INTEGER NOT NULL,
          PRIMARY KEY (pledge, covenant, device, sensor, start_ms)) WITHOUT ROWID;

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

        -- The latest status report of each gateway (operational, not evidence: never in the ledger),
        -- the signed note as received, and when this node received it.
        CREATE TABLE IF NOT EXISTS gateway_status (
          device TEXT PRIMARY KEY,
          gateway_ms INTEGER NOT NULL,
          received_ms INTEGER NOT NULL,
          report TEXT NOT NULL,
          note TEXT NOT NULL) WITHOUT ROWID;

        -- The notification outbox: one row per notification and recipient, written in the transaction
        -- of the event that causes it; id is the delivery id receivers deduplicate on.
        CREATE TABLE IF NOT EXISTS notifications (
          id TEXT PRIMARY KEY,
          event TEXT NOT NULL,
          channel TEXT NOT NULL,
          target TEXT NOT NULL,
          secret_file TEXT,
          subject TEXT NOT NULL,
          body TEXT NOT NULL,
          created_ms INTEGER NOT NULL,
          status TEXT NOT NULL,
          attempts INTEGER NOT NULL,
          next_ms INTEGER NOT NULL,
          last_error TEXT,
          done_ms INTEGER) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS notifications_due ON notifications (status, next_ms);
        -- The online state of each gateway last notified to the operator.
        CREATE TABLE IF NOT EXISTS gateway_presence (
          device TEXT PRIMARY KEY,
          state TEXT NOT NULL,
          changed_ms INTEGER NOT NULL) WITHOUT ROWID;

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
