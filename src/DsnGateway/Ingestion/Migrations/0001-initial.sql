-- inbox.db, version 1: the layout the gateway made before schemas had versions (main 22faf50), kept as it was,
-- IF NOT EXISTS included, and the rehash that code marked with user_version 1. A file made before the rehash
-- (user_version 0, these tables present, maybe not the later ones) is completed by this script and adopted as
-- version 1; a file of 22faf50 is at version 1 already. WAL is set by the runner (SQLite cannot change it inside a
-- transaction).
--
-- bundle: the JSON, zlib-compressed as a BLOB since the bulk import work (InboxBundle); older rows are TEXT and stay
-- so (read as they are; rewriting them would rewrite the whole inbox in one transaction for space alone, ADR 0013).
-- AUTOINCREMENT, not plain rowid: an id is never reused even after rows are purged, so "arrival order" and the ids
-- operators quote stay unambiguous. The UNIQUE index is the last line of defence for "control ids are unique per
-- sender": the writer checks first and answers Duplicate or ControlIdReused.
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received INTEGER NOT NULL,
    sender_application TEXT NOT NULL,
    sender_facility TEXT NOT NULL,
    control_id TEXT NOT NULL,
    message_type TEXT NOT NULL,
    raw BLOB NOT NULL,
    raw_sha256 TEXT NOT NULL,
    ack BLOB NOT NULL,
    bundle TEXT NOT NULL,
    patient_key TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    delivered_at INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS ux_messages_sender_control
    ON messages (sender_application, sender_facility, control_id);
CREATE INDEX IF NOT EXISTS ix_messages_pending ON messages (id) WHERE state = 'pending';
CREATE TABLE IF NOT EXISTS dead_letter (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received INTEGER NOT NULL,
    sender_application TEXT,
    sender_facility TEXT,
    control_id TEXT,
    stage TEXT NOT NULL CHECK (stage IN ('envelope', 'content', 'delivery')),
    reason TEXT NOT NULL,
    raw BLOB NOT NULL,
    raw_sha256 TEXT NOT NULL,
    ack BLOB,
    message_id INTEGER REFERENCES messages (id),
    replayed INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS ix_dead_letter_sender_control
    ON dead_letter (sender_application, sender_facility, control_id);
CREATE TABLE IF NOT EXISTS unmapped_codes (
    establishment TEXT NOT NULL,
    kind TEXT NOT NULL,
    system TEXT NOT NULL,
    code TEXT NOT NULL,
    display TEXT,
    count INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (establishment, kind, system, code));
CREATE TABLE IF NOT EXISTS patient_identities (
    identifier TEXT PRIMARY KEY,
    patient_key TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS demographics_seen (
    patient_id TEXT PRIMARY KEY,
    source_time INTEGER NOT NULL) WITHOUT ROWID;

-- raw_sha256 of rows written before resends were compared once normalised was the hash of the exact bytes: it is
-- computed again from the kept raw bytes by today's rule (inbox_fingerprint is InboxHash.Sha256, registered on the
-- migrating connection), so a resend of a message stored before the upgrade is still recognised, framing noise or
-- not. Row by row, so memory stays bounded whatever the inbox holds; nothing to do in a new file.
UPDATE messages SET raw_sha256 = inbox_fingerprint(raw);
UPDATE dead_letter SET raw_sha256 = inbox_fingerprint(raw);
