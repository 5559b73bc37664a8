-- audit.db, version 2: what stands beside the chain, never inside it (docs/arch/0014).
-- audit_checkpoint: each signed checkpoint of the chain's head (seq of the last record it covers; created is UTC
-- ticks, as signed). audit_fallback_taken: the ids of the instances' fallback entries (AuditFallbackFile) already
-- in the chain, so an entry a file still holds after a crash between the commit and the file's rewrite is not
-- written twice.
CREATE TABLE audit_checkpoint (
    seq INTEGER PRIMARY KEY,
    head_hash TEXT NOT NULL,
    created INTEGER NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL);
CREATE TABLE audit_fallback_taken (
    id TEXT PRIMARY KEY) WITHOUT ROWID;
