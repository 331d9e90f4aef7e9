-- Extensions (a key owned by one publisher), their immutable versions, and what the automated
-- checks found in each.
CREATE TABLE extensions (
    id TEXT PRIMARY KEY NOT NULL,
    key TEXT NOT NULL,
    publisher_id TEXT NOT NULL REFERENCES publishers (id),
    name TEXT NOT NULL,
    -- Listing fields, first taken from the manifest, then edited by the publisher.
    summary TEXT NOT NULL DEFAULT '',
    categories TEXT NOT NULL DEFAULT '[]',
    tags TEXT NOT NULL DEFAULT '[]',
    homepage TEXT,
    repository TEXT,
    support TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT extensions_key_key UNIQUE (key)
);
CREATE INDEX extensions_publisher ON extensions (publisher_id);

-- Every key+version ever accepted. Rows are never deleted, so a version number cannot be reused
-- even after its version is removed.
CREATE TABLE version_claims (
    extension_key TEXT NOT NULL,
    version TEXT NOT NULL,
    claimed_at BIGINT NOT NULL,
    CONSTRAINT version_claims_pkey PRIMARY KEY (extension_key, version)
);

CREATE TABLE versions (
    id TEXT PRIMARY KEY NOT NULL,
    extension_id TEXT NOT NULL REFERENCES extensions (id),
    version TEXT NOT NULL,
    prerelease BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('submitted', 'in_review', 'published', 'changes_requested', 'rejected', 'withdrawn')),
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    unpacked_bytes BIGINT NOT NULL,
    file_count BIGINT NOT NULL,
    manifest_path TEXT NOT NULL,
    manifest_source TEXT NOT NULL,
    -- The manifest in the dialect-independent model, as JSON.
    manifest TEXT NOT NULL,
    release_notes TEXT,
    readme_html TEXT,
    readme_text TEXT,
    changelog_html TEXT,
    getting_started_html TEXT,
    examples TEXT NOT NULL DEFAULT '{}',
    uploaded_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT versions_extension_version_key UNIQUE (extension_id, version)
);
CREATE INDEX versions_sha256 ON versions (sha256);

CREATE TABLE version_files (
    version_id TEXT NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    CONSTRAINT version_files_pkey PRIMARY KEY (version_id, path)
);

CREATE TABLE version_findings (
    version_id TEXT NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('blocking', 'warning')),
    file TEXT,
    message TEXT NOT NULL,
    CONSTRAINT version_findings_pkey PRIMARY KEY (version_id, position)
);
