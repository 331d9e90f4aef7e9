-- Review and lifecycle: who decided what about a version, and the flags a published version can
-- carry. version_events is append-only: the code has no path that updates or deletes its rows.
ALTER TABLE versions ADD COLUMN reviewer_id TEXT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE versions ADD COLUMN review_message TEXT;
ALTER TABLE versions ADD COLUMN decided_at BIGINT;
ALTER TABLE versions ADD COLUMN yanked_at BIGINT;
ALTER TABLE versions ADD COLUMN yank_reason TEXT;
ALTER TABLE versions ADD COLUMN revoked_at BIGINT;
ALTER TABLE versions ADD COLUMN revoke_reason TEXT;
CREATE INDEX versions_state ON versions (state, created_at);

CREATE TABLE version_events (
    id TEXT PRIMARY KEY NOT NULL,
    version_id TEXT NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    actor_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    message TEXT
);
CREATE INDEX version_events_version ON version_events (version_id, at);
