-- Extensions installed into projects. An installation is pinned to one version; `setup` while its
-- wizard is unfinished (it can be left and resumed), then `active` or `disabled`, and finally
-- `uninstalled`, kept for the record. Non-secret settings are a JSON object of text values;
-- secret ones live in the secret store (installation scope).
CREATE TABLE installations (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    extension_id TEXT NOT NULL REFERENCES extensions (id),
    version TEXT NOT NULL,
    previous_version TEXT,
    status TEXT NOT NULL CHECK (status IN ('setup', 'active', 'disabled', 'uninstalled')),
    disabled_reason TEXT,
    settings TEXT NOT NULL,
    -- The permissions the organization's admin consented to, as a JSON array.
    granted_permissions TEXT NOT NULL,
    consented_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    consented_at BIGINT NOT NULL,
    -- The furthest wizard step reached, to resume at.
    setup_step BIGINT NOT NULL DEFAULT 0,
    -- SHA-256 (hex) of the runtime token; the token itself is shown once.
    runtime_token_hash TEXT,
    -- When the generated signing secret was shown (it is shown once).
    signing_secret_shown_at BIGINT,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    configured_at BIGINT,
    uninstalled_at BIGINT
);
-- One live installation of an extension per project.
CREATE UNIQUE INDEX installations_live_key ON installations (project_id, extension_id)
    WHERE status <> 'uninstalled';
CREATE INDEX installations_organization ON installations (organization_id, status);
CREATE INDEX installations_extension ON installations (extension_id, status);
CREATE UNIQUE INDEX installations_runtime_token_key ON installations (runtime_token_hash);

-- Extension-scope settings: asked once per organization by the organization-level wizard.
CREATE TABLE extension_configs (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    extension_id TEXT NOT NULL REFERENCES extensions (id),
    settings TEXT NOT NULL,
    configured_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    configured_at BIGINT,
    updated_at BIGINT NOT NULL,
    CONSTRAINT extension_configs_pkey PRIMARY KEY (organization_id, extension_id)
);
