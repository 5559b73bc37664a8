-- audit.db, version 1: the layout the gateway made before schemas had versions (main 22faf50), kept as it was,
-- IF NOT EXISTS included: a file of that time (user_version 0, these tables present) is completed by this script
-- and adopted as version 1. WAL is set by the runner (SQLite cannot change it inside a transaction).
-- seq is assigned by the writer (last + 1), never by AUTOINCREMENT, so the chain and the ids agree.
CREATE TABLE IF NOT EXISTS audit_event (
    seq INTEGER PRIMARY KEY,
    recorded INTEGER NOT NULL,
    json TEXT NOT NULL,
    outcome TEXT NOT NULL,
    agent TEXT,
    flagged INTEGER NOT NULL,
    hash TEXT NOT NULL,
    previous_hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ix_audit_event_recorded ON audit_event (recorded);
CREATE INDEX IF NOT EXISTS ix_audit_event_agent ON audit_event (agent);
CREATE INDEX IF NOT EXISTS ix_audit_event_flagged ON audit_event (flagged) WHERE flagged = 1;
CREATE TABLE IF NOT EXISTS audit_patient (
    seq INTEGER NOT NULL,
    patient TEXT NOT NULL,
    PRIMARY KEY (patient, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_intent (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL) WITHOUT ROWID;
