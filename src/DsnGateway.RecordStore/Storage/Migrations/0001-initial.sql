-- records.db, version 1: the layout the record store made before schemas had versions (main 22faf50), kept as it
-- was, IF NOT EXISTS included: a file of that time (user_version 0, these tables present) is completed by this
-- script and adopted as version 1. WAL is set by the runner (SQLite cannot change it inside a transaction).
CREATE TABLE IF NOT EXISTS resource (
    type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, last_updated INTEGER NOT NULL,
    deleted INTEGER NOT NULL, json TEXT, seq INTEGER NOT NULL,
    PRIMARY KEY (type, id));
CREATE UNIQUE INDEX IF NOT EXISTS ix_resource_seq ON resource (seq);
CREATE INDEX IF NOT EXISTS ix_resource_updated ON resource (type, last_updated);
CREATE TABLE IF NOT EXISTS resource_version (
    type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, last_updated INTEGER NOT NULL,
    deleted INTEGER NOT NULL, method TEXT NOT NULL, json TEXT,
    PRIMARY KEY (type, id, version));
CREATE TABLE IF NOT EXISTS search_token (type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, system TEXT NOT NULL, code TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ix_token ON search_token (type, param, code, system);
CREATE INDEX IF NOT EXISTS ix_token_resource ON search_token (type, id);
CREATE TABLE IF NOT EXISTS search_string (type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, folded TEXT NOT NULL, exact TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ix_string ON search_string (type, param, folded);
CREATE INDEX IF NOT EXISTS ix_string_resource ON search_string (type, id);
CREATE TABLE IF NOT EXISTS search_date (type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, low INTEGER NOT NULL, high INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_date ON search_date (type, param, low);
CREATE INDEX IF NOT EXISTS ix_date_resource ON search_date (type, id);
CREATE TABLE IF NOT EXISTS search_reference (type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, target_type TEXT NOT NULL, target_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ix_reference_target ON search_reference (target_type, target_id, param);
CREATE INDEX IF NOT EXISTS ix_reference_resource ON search_reference (type, id);
