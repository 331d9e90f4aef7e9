-- The catalog index: one row per listed extension (published, with a latest version, publisher not
-- suspended), rebuilt from the source tables in the transaction of every change that can alter it.
-- Searching and browsing read only these tables, so their cost does not grow with the number of
-- versions.
CREATE TABLE catalog_entries (
    extension_id TEXT PRIMARY KEY NOT NULL REFERENCES extensions (id),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    name_sort TEXT NOT NULL,
    summary TEXT NOT NULL,
    categories TEXT NOT NULL,
    tags TEXT NOT NULL,
    readme TEXT NOT NULL,
    publisher_id TEXT NOT NULL REFERENCES publishers (id),
    publisher_slug TEXT NOT NULL,
    publisher_name TEXT NOT NULL,
    verified BIGINT NOT NULL,
    latest_version TEXT NOT NULL,
    has_icon BIGINT NOT NULL,
    deprecated BIGINT NOT NULL,
    installs BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    -- Key and name weigh most (A), then summary and tags (B), then the README (D). Tags are stored
    -- as a JSON array; its punctuation is not indexed.
    search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', key || ' ' || name), 'A')
        || setweight(to_tsvector('simple', summary || ' ' || tags), 'B')
        || setweight(to_tsvector('simple', readme), 'D')
    ) STORED
);
CREATE INDEX catalog_entries_name ON catalog_entries (name_sort, key);
CREATE INDEX catalog_entries_installs ON catalog_entries (installs DESC, name_sort, key);
CREATE INDEX catalog_entries_updated ON catalog_entries (updated_at DESC, name_sort, key);
CREATE INDEX catalog_entries_publisher ON catalog_entries (publisher_id, name_sort);
CREATE INDEX catalog_entries_search ON catalog_entries USING GIN (search);

-- What the filters match: kind is category, event (trigger events) or permission.
CREATE TABLE catalog_facets (
    kind TEXT NOT NULL CHECK (kind IN ('category', 'event', 'permission')),
    value TEXT NOT NULL,
    extension_id TEXT NOT NULL REFERENCES catalog_entries (extension_id) ON DELETE CASCADE,
    CONSTRAINT catalog_facets_pkey PRIMARY KEY (kind, value, extension_id)
);
CREATE INDEX catalog_facets_extension ON catalog_facets (extension_id);

-- Bumped by every change to the catalog: cached anonymous catalog pages are valid while it stands.
CREATE TABLE catalog_state (
    id BIGINT PRIMARY KEY NOT NULL,
    generation BIGINT NOT NULL
);
INSERT INTO catalog_state (id, generation) VALUES (1, 0);

-- The icon a version ships, when it is a supported image of at most 256 KB (served by the catalog).
ALTER TABLE versions ADD COLUMN icon BYTEA;
ALTER TABLE versions ADD COLUMN icon_type TEXT;
