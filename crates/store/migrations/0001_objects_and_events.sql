-- Desired state and status of every object, one row per kind, tenant and name.
-- `tenant` is '' for cluster-scoped kinds so that the primary key stays unique.
-- Timestamps are Unix time in microseconds (UTC).
CREATE TABLE objects (
    kind TEXT NOT NULL,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    uid TEXT NOT NULL UNIQUE,
    resource_version BIGINT NOT NULL UNIQUE,
    generation BIGINT NOT NULL,
    spec TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deletion_timestamp BIGINT,
    last_applied_by TEXT NOT NULL,
    PRIMARY KEY (kind, tenant, name)
);

-- One global counter: every object write takes the next resource version.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

INSERT INTO counters (name, value) VALUES ('resource_version', 0);

-- Events outlive their objects; the store prunes them per object and in total.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time BIGINT NOT NULL,
    kind TEXT NOT NULL,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    instance TEXT,
    severity TEXT NOT NULL,
    reason TEXT NOT NULL,
    message TEXT NOT NULL
);

CREATE INDEX events_by_object ON events (kind, tenant, name, id);
