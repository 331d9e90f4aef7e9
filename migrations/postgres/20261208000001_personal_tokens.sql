-- Personal tokens: how a user's scripts and the `kiket` CLI call the REST API
-- (`Authorization: Bearer kkt_…`). Only the token's SHA-256 (hex) is kept; it is NULL until the
-- page that shows the token once generates it, so the token itself is never stored.
CREATE TABLE personal_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- Space-separated scopes: `publish`, `yank`, `read`.
    scopes TEXT NOT NULL,
    -- Extension keys the token may act on, as a pattern with `*` wildcards (`my-*`); NULL: any.
    key_pattern TEXT,
    token_hash TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    last_used_at BIGINT,
    revoked_at BIGINT,
    CONSTRAINT personal_tokens_hash_key UNIQUE (token_hash)
);
CREATE INDEX personal_tokens_user ON personal_tokens (user_id, created_at);
