-- Deprecation of extensions, suspension reasons, in-app notifications, and the publisher an audit
-- entry concerns (so its members can read their own log).
ALTER TABLE extensions ADD COLUMN deprecated_at BIGINT;
ALTER TABLE extensions ADD COLUMN deprecation_reason TEXT;
ALTER TABLE extensions ADD COLUMN replacement_key TEXT;
ALTER TABLE extensions ADD COLUMN deprecation_deadline BIGINT;
ALTER TABLE publishers ADD COLUMN suspension_reason TEXT;
ALTER TABLE audit_log ADD COLUMN publisher_id TEXT;
CREATE INDEX audit_log_publisher ON audit_log (publisher_id, at);
CREATE INDEX audit_log_action ON audit_log (action, at);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    message TEXT NOT NULL,
    link TEXT,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, at);
