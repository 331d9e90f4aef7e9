-- Ranking reads this small vector (key and name A, summary and tags B) rather than `search`, which
-- also holds the README: a README vector is usually stored out of line, and reading it back for
-- every match made broad searches slow. `search` still decides what matches, through its GIN index;
-- among README-only matches the order falls to installs (see db::catalog::search).
ALTER TABLE catalog_entries ADD COLUMN rank_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', key || ' ' || name), 'A')
    || setweight(to_tsvector('simple', summary || ' ' || tags), 'B')
) STORED;
