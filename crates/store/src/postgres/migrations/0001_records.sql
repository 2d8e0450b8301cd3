-- The records of govshare. Each table keeps the record as the same bytes the sled backend
-- stores (crates/store/src/codec.rs), beside the columns that select and order it. Codes are
-- compared byte by byte (COLLATE "C"), as in sled, whatever the database's locale.

-- Numbers issued under a lock: 顺序码 per 分类码 ('sequence:<分类码>'), the catalogue change
-- feed ('event'), requests, grants and snapshots. A counter row stays locked until its
-- transaction commits, so numbers are consecutive and appear in commit order.
CREATE TABLE counters (
    name TEXT COLLATE "C" PRIMARY KEY,
    last BIGINT NOT NULL CHECK (last >= 0)
);
INSERT INTO counters (name, last)
VALUES ('event', 0), ('request', 0), ('grant', 0), ('snapshot', 0);

CREATE TABLE departments (
    code TEXT COLLATE "C" PRIMARY KEY,
    record BYTEA NOT NULL
);

-- Credentials by the sha256 digest of their secret; the secret itself is never stored.
CREATE TABLE tokens (
    digest TEXT COLLATE "C" PRIMARY KEY,
    id TEXT COLLATE "C" NOT NULL UNIQUE,
    record BYTEA NOT NULL
);

-- At most one row: the platform administrator's first credential was stored.
CREATE TABLE admin_bootstrap (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    token_id TEXT NOT NULL
);

-- Entry headers, the mutable part of an entry.
CREATE TABLE entries (
    code TEXT COLLATE "C" PRIMARY KEY,
    provider TEXT COLLATE "C" NOT NULL,
    record BYTEA NOT NULL
);
CREATE INDEX entries_by_provider ON entries (provider, code);

-- Immutable versions: rows are inserted, never updated.
CREATE TABLE versions (
    code TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL CHECK (version > 0),
    record BYTEA NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE catalog_events (
    seq BIGINT PRIMARY KEY,
    record BYTEA NOT NULL
);

CREATE TABLE requests (
    id BIGINT PRIMARY KEY,
    requester TEXT COLLATE "C" NOT NULL,
    provider TEXT COLLATE "C" NOT NULL,
    record BYTEA NOT NULL
);
CREATE INDEX requests_by_requester ON requests (requester, id);
CREATE INDEX requests_by_provider ON requests (provider, id);

CREATE TABLE grants (
    id BIGINT PRIMARY KEY,
    consumer TEXT COLLATE "C" NOT NULL,
    provider TEXT COLLATE "C" NOT NULL,
    record BYTEA NOT NULL
);
CREATE INDEX grants_by_consumer ON grants (consumer, id);
CREATE INDEX grants_by_provider ON grants (provider, id);

CREATE TABLE snapshots (
    id BIGINT PRIMARY KEY,
    entry_code TEXT COLLATE "C" NOT NULL,
    record BYTEA NOT NULL
);
CREATE INDEX snapshots_by_entry ON snapshots (entry_code, id);
