-- Organization tokens: what posts events into a project (`Authorization: Bearer kko_…`). Only the
-- token's SHA-256 (hex) is kept. A new token's hash is NULL until the page that shows it once
-- generates it, so the token itself is never stored.
CREATE TABLE org_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- Space-separated scopes (`events:write`).
    scopes TEXT NOT NULL,
    token_hash TEXT,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT,
    CONSTRAINT org_tokens_hash_key UNIQUE (token_hash)
);
CREATE INDEX org_tokens_organization ON org_tokens (organization_id, created_at);

-- Something that happened in a project: posted through the events API, sent from an installation
-- page as a test, or emitted by the platform (extension.installed, …).
CREATE TABLE events (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- The event's `data` object, as JSON text.
    payload TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('api', 'test', 'platform')),
    actor_id TEXT,
    occurred_at BIGINT NOT NULL
);
CREATE INDEX events_occurred ON events (occurred_at);

-- The outbox: one row per event and subscribed installation, written in the event's transaction.
-- `pending` rows are due at next_attempt_at; a worker claims one by moving it to `sending` with a
-- lease (claim_until); a claim whose worker died is taken again once the lease ran out.
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    installation_id TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    event_name TEXT NOT NULL,
    url TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'delivered', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    -- Retries allowed after the first attempt (the schedule's 7, or a hook's lower cap).
    max_retries BIGINT NOT NULL,
    timeout_ms BIGINT NOT NULL,
    next_attempt_at BIGINT,
    claimed_by TEXT,
    claim_until BIGINT,
    last_status BIGINT,
    last_error TEXT,
    redelivery_of TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_installation ON deliveries (installation_id, created_at);

-- Every attempt of a delivery, kept 90 days.
CREATE TABLE delivery_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    installation_id TEXT NOT NULL,
    number BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status BIGINT,
    -- delivered, retry, failed, gone
    outcome TEXT NOT NULL,
    -- The request's headers without signatures, as a JSON array of [name, value].
    request_headers TEXT NOT NULL,
    response_body TEXT,
    error TEXT
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, number);
CREATE INDEX delivery_attempts_installation ON delivery_attempts (installation_id, started_at);
CREATE INDEX delivery_attempts_started ON delivery_attempts (started_at);
