-- Organizations (teams that install extensions), their members and projects, and the secret store:
-- one data key per organization, wrapped by a master key; secret values sealed with it.
CREATE TABLE organizations (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT organizations_slug_key UNIQUE (slug)
);

CREATE TABLE organization_members (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    created_at BIGINT NOT NULL,
    CONSTRAINT organization_members_pkey PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_members_user ON organization_members (user_id);

CREATE TABLE projects (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT projects_organization_slug_key UNIQUE (organization_id, slug)
);

-- The organization's data key, wrapped by the master key named by kek_id. Deleting the row (with
-- its organization) makes every ciphertext of the organization unreadable.
CREATE TABLE data_keys (
    organization_id TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    dek_id TEXT NOT NULL,
    kek_id TEXT NOT NULL,
    wrapped BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    rewrapped_at BIGINT
);
CREATE INDEX data_keys_kek ON data_keys (kek_id);

-- Secret values: scope_kind is organization, project, extension (org-wide for one extension:
-- scope_id is "{organization id}/{extension key}") or installation.
CREATE TABLE secrets (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('organization', 'project', 'extension', 'installation')),
    scope_id TEXT NOT NULL,
    key TEXT NOT NULL,
    version BIGINT NOT NULL,
    ciphertext BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    rotated_at BIGINT,
    rotation_count BIGINT NOT NULL DEFAULT 0,
    updated_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT secrets_scope_key_key UNIQUE (scope_kind, scope_id, key)
);
CREATE INDEX secrets_organization ON secrets (organization_id);

-- The organization an audit entry concerns, so its admins can read their own log.
ALTER TABLE audit_log ADD COLUMN organization_id TEXT;
CREATE INDEX audit_log_organization ON audit_log (organization_id, at);
