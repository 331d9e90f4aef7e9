-- Publishers (teams that publish extensions) and their members.
CREATE TABLE publishers (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL,
    display_name TEXT NOT NULL,
    verified BIGINT NOT NULL DEFAULT 0,
    suspended_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT publishers_slug_key UNIQUE (slug)
);

CREATE TABLE publisher_members (
    publisher_id TEXT NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'maintainer')),
    created_at BIGINT NOT NULL,
    CONSTRAINT publisher_members_pkey PRIMARY KEY (publisher_id, user_id)
);
CREATE INDEX publisher_members_user ON publisher_members (user_id);
